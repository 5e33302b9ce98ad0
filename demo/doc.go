// Package demo powers `spotcheck serve --demo`: a configuration whose
// schedules fire every few seconds, a registry of about 3,000 enterprises and
// 40 inspectors in Suzhou generated from a seed, and a Simulator that plays
// the inspectors by recording plausible results. A new user sees plans,
// pass rates and metrics move within a minute, with no data to load.
//
// Everything is generated deterministically: the same seed gives the same
// registry and the same outcome for the same task.
package demo

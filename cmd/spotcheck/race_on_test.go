//go:build race

package main

// raceBuild tells end-to-end tests to build the binary with -race too, so
// that it reuses the test's compiled packages.
const raceBuild = true

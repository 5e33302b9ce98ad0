package storage_test

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPU returns the CPU time the calling thread has used.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU measures the CPU time that the PostgreSQL server spends for one
// database, when the server runs on this machine: its backends and their
// parallel workers, read from /proc while an operation runs (workers end
// with their query, so they are sampled every pollEvery; the last
// moments of a worker's life can be missed). On another machine, or without
// /proc, it measures nothing and Stop reports false.
type serverCPU struct {
	db     string
	start  map[int]time.Duration // CPU of the processes at the start
	last   map[int]time.Duration // CPU of each process last seen
	ours   map[int]bool          // processes known, whether they serve db
	stop   chan struct{}
	done   chan struct{}
	failed bool
	// self is the CPU time the sampling took in this process, to leave
	// out of the process's.
	self time.Duration
}

// pollEvery is how often serverCPU samples the server's processes.
const pollEvery = 50 * time.Millisecond

// clockTicks is the unit of /proc's CPU times (USER_HZ).
const clockTicks = 100

// startServerCPU starts measuring the server's CPU time for database db.
func startServerCPU(db string) *serverCPU {
	c := &serverCPU{db: db, last: map[int]time.Duration{}, ours: map[int]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	c.poll()
	c.start = map[int]time.Duration{}
	for pid, t := range c.last {
		c.start[pid] = t
	}
	go func() {
		defer close(c.done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t0 := threadCPU()
		defer func() { c.self = threadCPU() - t0 }()
		tick := time.NewTicker(pollEvery)
		defer tick.Stop()
		for {
			select {
			case <-c.stop:
				c.poll()
				return
			case <-tick.C:
				c.poll()
			}
		}
	}()
	return c
}

// Stop ends the measurement and returns the server's CPU time since the
// start, and whether any of the database's processes was found. Then
// Self is the CPU time this process spent measuring.
func (c *serverCPU) Stop() (time.Duration, bool) {
	close(c.stop)
	<-c.done
	if c.failed || len(c.last) == 0 {
		return 0, false
	}
	var sum time.Duration
	for pid, t := range c.last {
		sum += t - c.start[pid]
	}
	return sum, true
}

// Self returns the CPU time this process spent measuring, once stopped.
func (c *serverCPU) Self() time.Duration { return c.self }

// poll records the CPU time of each of the database's processes.
func (c *serverCPU) poll() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		c.failed = true
		return
	}
	var workers []int // parallel workers, kept when their leader is ours
	leaders := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ours, known := c.ours[pid]
		if !known {
			cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if err != nil {
				continue
			}
			title := string(bytes.TrimRight(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}), " "))
			if !strings.HasPrefix(title, "postgres: ") {
				c.ours[pid] = false
				continue
			}
			if _, leader, ok := strings.Cut(title, "parallel worker for PID "); ok {
				n, _ := strconv.Atoi(strings.Fields(leader)[0])
				leaders[pid] = n
				workers = append(workers, pid)
				continue
			}
			ours = strings.Contains(title, " "+c.db+" ")
			c.ours[pid] = ours
		}
		if ours {
			c.sample(pid)
		}
	}
	for _, pid := range workers {
		ours := c.ours[leaders[pid]]
		c.ours[pid] = ours
		if ours {
			c.sample(pid)
		}
	}
}

// sample records the CPU time of process pid.
func (c *serverCPU) sample(pid int) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return // ended
	}
	// The fields after the command's name in parentheses: state is the
	// first, utime the 12th and stime the 13th.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	c.last[pid] = time.Duration(user+sys) * time.Second / clockTicks
}

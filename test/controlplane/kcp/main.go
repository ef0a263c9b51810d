// Command kcp runs a throwaway Kubernetes control plane for tests: one etcd and N kube-apiservers,
// each apiserver one "cluster" with its own etcd prefix, all on free loopback ports.
//
//	kcp up --dir <state dir> --bin <dir with etcd and kube-apiserver> --clusters N
//
// Repeat --apiserver-flag=<flag> to pass extra kube-apiserver flags (e.g. --apiserver-flag=--v=4).
// It prints "KCP READY <state.json>" once every apiserver is ready, then supervises until stdin closes
// or SIGTERM/SIGINT arrives. Commands on stdin, one per line: "stop <id>", "restart <id>",
// "dump-crds <file>" (writes cluster-1's CRDs for a later --seed-crds <file>).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "up" {
		fmt.Fprintln(os.Stderr, "usage: kcp up --dir <state dir> --bin <bin dir> [--clusters N]")
		os.Exit(2)
	}
	flags := flag.NewFlagSet("kcp up", flag.ExitOnError)
	dir := flags.String("dir", "", "state dir (certificates, etcd data, kubeconfigs, logs, state.json)")
	bin := flags.String("bin", "", "dir holding the etcd and kube-apiserver binaries")
	clusters := flags.Int("clusters", 1, "number of kube-apiservers (clusters)")
	seed := flags.String("seed-crds", "", "file written by the dump-crds command: CRDs to preload into every cluster")
	flags.Func("apiserver-flag", "extra kube-apiserver flag, e.g. --apiserver-flag=--v=4 (repeatable)", func(v string) error {
		extraApiserverFlags = append(extraApiserverFlags, v)
		return nil
	})
	_ = flags.Parse(os.Args[2:])
	if *dir == "" || *bin == "" || *clusters < 1 {
		fmt.Fprintln(os.Stderr, "kcp up: --dir and --bin are required and --clusters must be >= 1")
		os.Exit(2)
	}
	stateDir, err := filepath.Abs(*dir)
	if err == nil {
		*bin, err = filepath.Abs(*bin)
	}
	if err != nil {
		fail(err)
	}

	// Children inherit this: the apiservers spend ~30% of their CRD and start-up work in GC otherwise.
	if os.Getenv("GOGC") == "" {
		_ = os.Setenv("GOGC", "400")
	}

	// Shut down when asked to, from the moment the first child may start.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	commands := make(chan string)
	go readCommands(commands)
	go func() {
		sig := <-signals
		fmt.Fprintf(os.Stderr, "kcp: %s, shutting down\n", sig)
		shutdown(0)
	}()

	s, err := up(stateDir, *bin, *clusters, *seed)
	if err != nil {
		fail(err)
	}
	s.say("KCP READY %s", s.stateFile)
	for line := range commands {
		s.handle(line)
	}
}

// readCommands forwards stdin lines; at EOF (the parent went away) it shuts everything down, even
// while the control plane is still starting.
func readCommands(out chan<- string) {
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); line != "" {
			out <- line
		}
	}
	fmt.Fprintln(os.Stderr, "kcp: stdin closed, shutting down")
	shutdown(0)
}

var (
	stopping     atomic.Bool
	shutdownOnce sync.Once
)

// shutdown kills every child, waits for them and exits; later callers just wait for that exit.
func shutdown(code int) {
	shutdownOnce.Do(func() {
		stopping.Store(true)
		killAll()
		os.Exit(code)
	})
	select {}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "kcp: %v\n", err)
	shutdown(1)
}

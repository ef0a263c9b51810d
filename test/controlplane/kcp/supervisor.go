package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// supervisor owns the running control plane and answers stdin commands.
type supervisor struct {
	stateDir, binDir string
	pki              pki
	client           *http.Client
	etcd             *etcd
	servers          []*apiserver
	stateFile        string
	mu               sync.Mutex // guards servers' procs, state.json and stdout
}

// up starts etcd and every apiserver (in parallel), writes kubeconfigs and state.json.
func up(stateDir, binDir string, clusters int, seed string) (*supervisor, error) {
	p := pki{dir: filepath.Join(stateDir, "pki")}
	if err := p.ensure(); err != nil {
		return nil, fmt.Errorf("generate certificates: %w", err)
	}
	logs := filepath.Join(stateDir, "logs")
	if err := os.RemoveAll(logs); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return nil, err
	}
	client, err := adminClient(p)
	if err != nil {
		return nil, err
	}
	e, err := startEtcd(stateDir, binDir)
	if err != nil {
		return nil, err
	}
	go func() {
		<-e.proc.done
		if stopping.Load() {
			return
		}
		fmt.Fprintf(os.Stderr, "kcp: etcd exited (%v); log %s ends:\n%s\n", e.proc.err, e.proc.log, e.proc.logTail(2000))
		shutdown(1)
	}()
	s := &supervisor{stateDir: stateDir, binDir: binDir, pki: p, client: client, etcd: e}
	ids := make([]string, clusters)
	for i := range clusters {
		ids[i] = fmt.Sprintf("cluster-%d", i+1)
		s.servers = append(s.servers, &apiserver{id: ids[i]})
	}
	if seed != "" {
		if err := seedCRDs(e.endpoint, seed, ids); err != nil {
			return nil, fmt.Errorf("seed CRDs: %w", err)
		}
	}
	errs := make(chan error, clusters)
	for _, a := range s.servers {
		go func() { errs <- s.firstStart(a) }()
	}
	for range clusters {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	s.stateFile, err = writeState(stateDir, p, e, s.servers)
	return s, err
}

// firstStart picks a free port and starts the apiserver, retrying if another process took the port.
func (s *supervisor) firstStart(a *apiserver) error {
	var err error
	for range 3 {
		ports, perr := freePorts(1)
		if perr != nil {
			return perr
		}
		a.port = ports[0]
		if err = a.start(s.stateDir, s.binDir, s.etcd.endpoint, s.client); err == nil {
			break
		}
		if !strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
	if err != nil {
		return err
	}
	s.watch(a, a.proc)
	return writeKubeconfigs(s.stateDir, s.pki, a)
}

// watch reports an apiserver that exits without being told to.
func (s *supervisor) watch(a *apiserver, proc *child) {
	go func() {
		<-proc.done
		s.mu.Lock()
		defer s.mu.Unlock()
		if a.proc == proc && !stopping.Load() {
			a.proc = nil
			s.sayLocked("KCP EXITED %s %v", a.id, proc.err)
			s.saveLocked()
		}
	}()
}

func (s *supervisor) handle(line string) {
	fields := strings.Fields(line)
	file, isDump := strings.CutPrefix(line, "dump-crds ")
	switch {
	case len(fields) == 2 && (fields[0] == "stop" || fields[0] == "restart"):
		s.stopOrRestart(fields[0], fields[1])
	case isDump:
		if err := dumpCRDs(s.etcd.endpoint, s.servers[0].id, file); err != nil {
			s.say("KCP ERROR dump-crds %s: %v", file, err)
		} else {
			s.say("KCP DUMPED %s", file)
		}
	default:
		s.say("KCP ERROR unknown command %q (want: stop <id> | restart <id> | dump-crds <file>)", line)
	}
}

func (s *supervisor) stopOrRestart(verb, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var target *apiserver
	for _, a := range s.servers {
		if a.id == id {
			target = a
		}
	}
	if target == nil {
		s.sayLocked("KCP ERROR %s %s: no such cluster", verb, id)
		return
	}
	if proc := target.proc; proc != nil {
		target.proc = nil
		proc.kill()
	}
	if verb == "stop" {
		s.saveLocked()
		s.sayLocked("KCP STOPPED %s", target.id)
		return
	}
	if err := target.start(s.stateDir, s.binDir, s.etcd.endpoint, s.client); err != nil {
		target.proc = nil
		s.sayLocked("KCP ERROR restart %s: %s", target.id, strings.ReplaceAll(err.Error(), "\n", " | "))
		return
	}
	s.watch(target, target.proc)
	s.saveLocked()
	s.sayLocked("KCP RESTARTED %s %d", target.id, target.proc.pid())
}

func (s *supervisor) saveLocked() {
	if _, err := writeState(s.stateDir, s.pki, s.etcd, s.servers); err != nil {
		fmt.Fprintf(os.Stderr, "kcp: write state: %v\n", err)
	}
}

func (s *supervisor) say(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sayLocked(format, args...)
}

func (s *supervisor) sayLocked(format string, args ...any) {
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

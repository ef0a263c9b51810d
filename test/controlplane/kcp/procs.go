package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// child is one supervised process; done is closed once it has exited and been reaped.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

type spawnRequest struct {
	cmd   *exec.Cmd
	reply chan error
}

var spawnRequests = make(chan spawnRequest)

// live holds every started child that has not yet been reaped, so shutdown can kill them all.
var live = struct {
	sync.Mutex
	children map[*child]bool
}{children: map[*child]bool{}}

// Pdeathsig fires when the *thread* that forked the child exits, so every child is started from one
// goroutine locked to its OS thread for the life of kcp.
func init() {
	go func() {
		runtime.LockOSThread()
		for req := range spawnRequests {
			req.reply <- req.cmd.Start()
		}
	}()
}

// start runs bin with args, output to logPath, killed with SIGKILL if kcp dies.
func start(name, bin, logPath string, args ...string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	reply := make(chan error)
	spawnRequests <- spawnRequest{cmd, reply}
	if err := <-reply; err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	live.Lock()
	live.children[c] = true
	live.Unlock()
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		live.Lock()
		delete(live.children, c)
		live.Unlock()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits until the process is reaped (its ports are then closed).
func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// killAll sends SIGKILL to every live child and waits until all are reaped.
func killAll() {
	live.Lock()
	children := make([]*child, 0, len(live.children))
	for c := range live.children {
		children = append(children, c)
	}
	live.Unlock()
	for _, c := range children {
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
	}
	for _, c := range children {
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
		}
	}
}

// logTail returns the last n bytes of the child's log, for error messages.
func (c *child) logTail(n int64) string {
	data, err := os.ReadFile(c.log)
	if err != nil {
		return ""
	}
	if int64(len(data)) > n {
		data = data[int64(len(data))-n:]
	}
	return string(data)
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

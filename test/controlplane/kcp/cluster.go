package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const readyTimeout = 90 * time.Second

// extraApiserverFlags come last, so they override the defaults below.
var extraApiserverFlags []string

type etcd struct {
	proc     *child
	endpoint string
}

// startEtcd starts one etcd with a fresh data dir on free loopback ports and waits until it is healthy.
func startEtcd(stateDir, binDir string) (*etcd, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	dataDir := filepath.Join(stateDir, "etcd-data")
	if err := os.RemoveAll(dataDir); err != nil {
		return nil, err
	}
	proc, err := start("etcd", filepath.Join(binDir, "etcd"), filepath.Join(stateDir, "logs", "etcd.log"),
		"--name=kcp", "--data-dir="+dataDir,
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=kcp="+peer, "--initial-cluster-state=new",
		"--unsafe-no-fsync", "--log-level=warn", "--quota-backend-bytes=4294967296",
	)
	if err != nil {
		return nil, err
	}
	e := &etcd{proc: proc, endpoint: client}
	err = waitReady(proc, http.DefaultClient, client+"/health", func(body string) bool {
		return strings.Contains(body, `"health":"true"`)
	})
	if err != nil {
		proc.kill()
		return nil, err
	}
	return e, nil
}

// apiserver is one cluster: a kube-apiserver with its own etcd prefix. port stays fixed across restarts.
type apiserver struct {
	id   string
	port int
	proc *child
}

func (a *apiserver) server() string { return fmt.Sprintf("https://127.0.0.1:%d", a.port) }

func (a *apiserver) args(stateDir, etcdEndpoint string) []string {
	p := pki{dir: filepath.Join(stateDir, "pki")}
	return append([]string{
		"--etcd-servers=" + etcdEndpoint,
		"--etcd-prefix=/" + a.id,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(a.port),
		"--tls-cert-file=" + p.path("serving.crt"),
		"--tls-private-key-file=" + p.path("serving.key"),
		"--client-ca-file=" + p.path("ca.crt"),
		"--authorization-mode=RBAC",
		"--anonymous-auth=false",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.path("sa.pub"),
		"--service-account-signing-key-file=" + p.path("sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=1",
	}, extraApiserverFlags...)
}

// start launches the apiserver and waits until /readyz answers ok.
func (a *apiserver) start(stateDir, binDir, etcdEndpoint string, client *http.Client) error {
	log := filepath.Join(stateDir, "logs", a.id+".log")
	proc, err := start(a.id, filepath.Join(binDir, "kube-apiserver"), log, a.args(stateDir, etcdEndpoint)...)
	if err != nil {
		return err
	}
	a.proc = proc
	err = waitReady(proc, client, a.server()+"/readyz", func(body string) bool { return body == "ok" })
	if err != nil {
		proc.kill()
	}
	return err
}

// adminClient trusts the kcp CA and presents the admin client certificate.
func adminClient(p pki) (*http.Client, error) {
	caPEM, err := os.ReadFile(p.path("ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(p.path("admin.crt"), p.path("admin.key"))
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}
	return &http.Client{Transport: tr, Timeout: 2 * time.Second}, nil
}

// waitReady polls url until ok(body) holds, failing early with the log tail if the process exits.
func waitReady(proc *child, client *http.Client, url string, ok func(string) bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	last := ""
	for {
		if proc.exited() {
			return fmt.Errorf("%s exited before it was ready (%v); log %s ends:\n%s",
				proc.name, proc.err, proc.log, proc.logTail(3000))
		}
		if resp, err := client.Get(url); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = strings.TrimSpace(string(body))
			if resp.StatusCode == http.StatusOK && ok(last) {
				return nil
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s (last answer: %.300s); log %s", proc.name, readyTimeout, last, proc.log)
		case <-proc.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

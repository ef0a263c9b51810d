package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

type clusterState struct {
	ID                  string `json:"id"`
	Server              string `json:"server"`
	Pid                 int    `json:"pid"`
	Kubeconfig          string `json:"kubeconfig"`
	FunctionsKubeconfig string `json:"functionsKubeconfig"`
	CAFile              string `json:"caFile"`
}

type etcdState struct {
	Pid      int    `json:"pid"`
	Endpoint string `json:"endpoint"`
}

type state struct {
	Clusters []clusterState `json:"clusters"`
	Etcd     etcdState      `json:"etcd"`
}

// kubeconfigPath is where the kubeconfig of identity ("admin" or "functions") for cluster id lives.
func kubeconfigPath(stateDir, id, identity string) string {
	return filepath.Join(stateDir, "kubeconfig", id+"-"+identity+".yaml")
}

// writeKubeconfigs writes one self-contained kubeconfig (certificates embedded) per client identity.
func writeKubeconfigs(stateDir string, p pki, a *apiserver) error {
	if err := os.MkdirAll(filepath.Join(stateDir, "kubeconfig"), 0o700); err != nil {
		return err
	}
	ca, err := readBase64(p.path("ca.crt"))
	if err != nil {
		return err
	}
	for _, id := range clientIdentities {
		cert, err := readBase64(p.path(id.file + ".crt"))
		if err != nil {
			return err
		}
		key, err := readBase64(p.path(id.file + ".key"))
		if err != nil {
			return err
		}
		content := fmt.Sprintf(kubeconfigTemplate, ca, a.server(), a.id, a.id, id.cn, a.id, a.id, id.cn, cert, key)
		if err := os.WriteFile(kubeconfigPath(stateDir, a.id, id.file), []byte(content), 0o600); err != nil {
			return err
		}
	}
	return nil
}

const kubeconfigTemplate = `apiVersion: v1
kind: Config
clusters:
- name: kcp
  cluster:
    certificate-authority-data: %s
    server: %s
contexts:
- name: %s
  context:
    cluster: kcp
    namespace: default
    user: %s-%s
current-context: %s
users:
- name: %s-%s
  user:
    client-certificate-data: %s
    client-key-data: %s
`

func readBase64(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(data), nil
}

// writeState records the running processes in state.json (atomically) and returns its path.
func writeState(stateDir string, p pki, e *etcd, servers []*apiserver) (string, error) {
	s := state{Etcd: etcdState{Pid: e.proc.pid(), Endpoint: e.endpoint}, Clusters: []clusterState{}}
	for _, a := range servers {
		pid := 0
		if a.proc != nil && !a.proc.exited() {
			pid = a.proc.pid()
		}
		s.Clusters = append(s.Clusters, clusterState{
			ID:                  a.id,
			Server:              a.server(),
			Pid:                 pid,
			Kubeconfig:          kubeconfigPath(stateDir, a.id, "admin"),
			FunctionsKubeconfig: kubeconfigPath(stateDir, a.id, "functions"),
			CAFile:              p.path("ca.crt"),
		})
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(stateDir, "state.json")
	if err := os.WriteFile(path+".tmp", append(data, '\n'), 0o600); err != nil {
		return "", err
	}
	return path, os.Rename(path+".tmp", path)
}

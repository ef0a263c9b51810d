package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// CRDs are stored under <prefix>/apiextensions.k8s.io/customresourcedefinitions/<name>. Installing the
// large KubeStash CRDs costs each apiserver seconds of CPU, so kcp can copy them, already Established,
// from a dump of one cluster straight into every cluster's prefix before the apiservers start.
const crdKeys = "/apiextensions.k8s.io/customresourcedefinitions/"

type seedEntry struct {
	Key   string `json:"key"` // below the cluster prefix, e.g. /apiextensions.k8s.io/customresourcedefinitions/x
	Value []byte `json:"value"`
}

// dumpCRDs writes every CRD stored under /<clusterID> to file.
func dumpCRDs(endpoint, clusterID, file string) error {
	prefix := "/" + clusterID + crdKeys
	var listed struct {
		Kvs []struct{ Key []byte } `json:"kvs"`
	}
	err := etcdCall(endpoint, "range", map[string]any{
		"key": []byte(prefix), "range_end": []byte(prefix[:len(prefix)-1] + "0"), "keys_only": true,
	}, &listed)
	if err != nil {
		return err
	}
	entries := []seedEntry{}
	for _, kv := range listed.Kvs {
		var got struct {
			Kvs []struct{ Value []byte } `json:"kvs"`
		}
		if err := etcdCall(endpoint, "range", map[string]any{"key": kv.Key}, &got); err != nil {
			return err
		}
		if len(got.Kvs) == 1 {
			entries = append(entries, seedEntry{strings.TrimPrefix(string(kv.Key), "/"+clusterID), got.Kvs[0].Value})
		}
	}
	data, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	if err := os.WriteFile(file+".tmp", data, 0o600); err != nil {
		return err
	}
	return os.Rename(file+".tmp", file)
}

// seedCRDs writes the dumped CRDs into the prefix of every cluster.
func seedCRDs(endpoint, file string, clusterIDs []string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var entries []seedEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return fmt.Errorf("read seed %s: %w", file, err)
	}
	for _, id := range clusterIDs {
		for _, e := range entries {
			if !strings.HasPrefix(e.Key, crdKeys) {
				return fmt.Errorf("seed %s: unexpected key %q", file, e.Key)
			}
			put := map[string]any{"key": []byte("/" + id + e.Key), "value": e.Value}
			if err := etcdCall(endpoint, "put", put, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// etcdCall posts to etcd's JSON gateway (/v3/kv/<op>); []byte fields travel as base64, as it expects.
func etcdCall(endpoint, op string, body map[string]any, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := http.Post(endpoint+"/v3/kv/"+op, "application/json", bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("etcd %s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var msg bytes.Buffer
		_, _ = msg.ReadFrom(resp.Body)
		return fmt.Errorf("etcd %s: HTTP %d: %.300s", op, resp.StatusCode, msg.String())
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

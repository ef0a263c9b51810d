module kss.local/controlplane/kcp

go 1.24

// The etcd server of the kube tier: the upstream entry point built as our own main module,
// because `go install` of etcd refuses the replace directives of its server module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

// The kube-apiserver of the kube tier, built as our own main module: k8s.io/kubernetes points
// its staging modules at local directories, which only a wrapper module can redirect (go.mod).
// The blank imports register what the released binary has: time zones, JSON logs, metrics.
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}

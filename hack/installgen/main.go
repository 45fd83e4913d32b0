// Command installgen renders the install artifacts from config/, their one
// source: the Helm chart charts/workloadhealth (`make chart`, checked by
// `make verify`) and dist/install.yaml (`make release`).
//
// Both start from kustomize's build of config/default, the same objects
// `make deploy` applies. install.yaml is that build with the image set. The
// chart's templates are those objects with the parts that values choose
// turned into template expressions (names, namespace, image, flags,
// resources, toggles); everything else is copied as kustomize built it, so
// a change under config/ reaches the chart when `make chart` runs.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	configDir := flag.String("config", "config", "The kustomize folders to render.")
	chartDir := flag.String("chart", "", "Write the Helm chart into this folder, replacing what it holds.")
	installYAML := flag.String("install-yaml", "", "Write config/default, with -image set, to this file.")
	image := flag.String("image", "workloadhealth/manager:dev", "The manager's image in the install YAML.")
	chartVersion := flag.String("chart-version", "0.1.0", "The chart's version.")
	appVersion := flag.String("app-version", "0.1.0", "The chart's appVersion: the image tag it deploys by default.")
	flag.Parse()
	if *chartDir == "" && *installYAML == "" {
		fmt.Fprintln(os.Stderr, "installgen: nothing to do: give -chart DIR and/or -install-yaml FILE")
		os.Exit(2)
	}
	if *installYAML != "" {
		if err := writeInstallYAML(*configDir, *image, *installYAML); err != nil {
			fmt.Fprintln(os.Stderr, "installgen:", err)
			os.Exit(1)
		}
	}
	if *chartDir != "" {
		if err := writeChart(*configDir, *chartDir, chartMeta{Version: *chartVersion, AppVersion: *appVersion}); err != nil {
			fmt.Fprintln(os.Stderr, "installgen:", err)
			os.Exit(1)
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"
)

// version is the plugin's release, set by the Makefile's build with
// -ldflags "-X main.version=v0.1.0"; a build without it reads what the Go
// toolchain recorded (the module version of `go install ...@v0.1.0`).
var version = ""

// versionInfo is what `version -o json` prints.
type versionInfo struct {
	Version   string `json:"version"`
	GitCommit string `json:"gitCommit,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// devVersion is the version of a build that says none.
const devVersion = "v0.0.0-dev"

func currentVersion() versionInfo {
	info := versionInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				info.GitCommit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = devVersion
	}
	return info
}

func newVersionCommand(streams genericiooptions.IOStreams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Long: `Version prints the plugin's version, the commit it was built from, and the Go
version and platform of the build; -o json or -o yaml print them as an object,
as 'kubectl version' does.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			info := currentVersion()
			switch output {
			case "":
				commit := ""
				if info.GitCommit != "" {
					commit = ", commit " + info.GitCommit
				}
				_, err := fmt.Fprintf(streams.Out, "kubectl-workloadhealth %s (%s, %s%s)\n", info.Version, info.GoVersion, info.Platform, commit)
				return err
			case "json":
				data, err := json.MarshalIndent(info, "", "  ")
				if err != nil {
					return err
				}
				_, err = streams.Out.Write(append(data, '\n'))
				return err
			case "yaml":
				data, err := yaml.Marshal(info)
				if err != nil {
					return err
				}
				_, err = streams.Out.Write(data)
				return err
			}
			return fmt.Errorf("unknown output format %q: use one of json, yaml", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format: a line by default, or one of json, yaml.")
	return cmd
}

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// semver is krew's rule for a plugin's version: v, then semantic
// versioning.
var semver = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

func main() {
	version := flag.String("version", "", "The release's version, v and semantic versioning (v0.1.0).")
	out := flag.String("out", "dist", "The directory of the archives, checksums.txt and plugins/workloadhealth.yaml.")
	manifest := flag.String("manifest", "plugins/workloadhealth.yaml", "The krew manifest's template.")
	license := flag.String("license", "LICENSE", "The license file packed beside the binary, when it exists.")
	platforms := flag.String("platforms", defaultPlatforms, "The OS/ARCH pairs to build, comma-separated.")
	flag.Parse()
	if err := run(context.Background(), *version, *out, *manifest, *license, *platforms); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, version, out, manifest, license, platformList string) error {
	if !semver.MatchString(version) {
		return fmt.Errorf("--version %q is not v and semantic versioning (v0.1.0), as krew requires", version)
	}
	platforms, err := parsePlatforms(platformList)
	if err != nil {
		return err
	}
	if _, err := os.Stat(license); err != nil {
		license = "" // packed only when the repository has one
	}
	buildDir := filepath.Join(out, "build")
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return err
	}
	for i := range platforms {
		p := &platforms[i]
		bin, err := build(ctx, *p, version, buildDir)
		if err != nil {
			return err
		}
		archive, sum, err := pack(*p, bin, license, out)
		if err != nil {
			return err
		}
		p.Sha256 = sum
		fmt.Printf("%s  %s\n", sum, archive)
	}
	data := manifestData{Version: version, Platforms: platforms}
	if license != "" {
		data.License = filepath.Base(license)
	}
	target := filepath.Join(out, "plugins", filepath.Base(manifest))
	if err := render(manifest, data, target); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "checksums.txt"), checksums(platforms), 0o644); err != nil {
		return err
	}
	fmt.Println(target)
	return os.RemoveAll(buildDir)
}

package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// repoRoot is the repository: the tests build and read from it. Tests
// that change directory call it first.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the repository root: %v", err)
	}
	return root
}

// validator is krew's validate-krew-manifest, which
// hack/validate-krew-manifest.sh installs from the Go module proxy (krew's
// validation package is internal: it cannot be imported).
func validator(t *testing.T, root string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(root, "hack", "validate-krew-manifest.sh"), "--print-path").Output()
	if err != nil {
		t.Fatalf("hack/validate-krew-manifest.sh --print-path: %v", err)
	}
	bin := strings.TrimSpace(string(out))
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("validate-krew-manifest is not installed (%v): run hack/validate-krew-manifest.sh, or make test which does", err)
	}
	return bin
}

// validate runs krew's validator on the manifest with --skip-install
// (installing would download the archives from their release URLs).
func validate(t *testing.T, root, manifest string) ([]byte, error) {
	t.Helper()
	return exec.Command(validator(t, root), "-manifest", manifest, "-skip-install").CombinedOutput()
}

// krewManifest is the part of a krew manifest the checks read.
type krewManifest struct {
	Spec struct {
		Version   string `json:"version"`
		Platforms []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			Sha256 string `json:"sha256"`
			Bin    string `json:"bin"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestReleaseManifest builds the plugin for this machine as make release
// builds each platform, packs it as the archive of every platform, renders
// the committed template, and has krew's own validator check the manifest;
// then checks what the validator does not read without installing: each
// sha256 is its archive's, each archive holds the bin and files the
// manifest names. (The archives of the other platforms hold this
// machine's binary: make release builds each platform's own; the
// validator with --skip-install reads only the manifest.)
func TestReleaseManifest(t *testing.T) {
	const version = "v0.3.1-test.1"
	root := repoRoot(t)
	dir := t.TempDir()

	// The build make release runs, for this machine: the version comes
	// from -ldflags.
	host := platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	t.Chdir(root)
	bin, err := build(context.Background(), host, version, dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "kubectl-workloadhealth "+version+" (") {
		t.Errorf("version of the release build = %q, want %s from -ldflags", out, version)
	}

	for _, withLicense := range []bool{false, true} {
		name := "without a license"
		if withLicense {
			name = "with a license"
		}
		t.Run(name, func(t *testing.T) {
			dist := t.TempDir()
			license := ""
			if withLicense {
				license = filepath.Join(t.TempDir(), "LICENSE")
				if err := os.WriteFile(license, []byte("the license\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			platforms, err := parsePlatforms(defaultPlatforms)
			if err != nil {
				t.Fatal(err)
			}
			for i := range platforms {
				if _, platforms[i].Sha256, err = pack(platforms[i], bin, license, dist); err != nil {
					t.Fatal(err)
				}
			}
			data := manifestData{Version: version, Platforms: platforms}
			if withLicense {
				data.License = "LICENSE"
			}
			manifest := filepath.Join(dist, "plugins", "workloadhealth.yaml")
			if err := render(filepath.Join(root, "plugins", "workloadhealth.yaml"), data, manifest); err != nil {
				t.Fatal(err)
			}
			if out, err := validate(t, root, manifest); err != nil {
				t.Fatalf("validate-krew-manifest -skip-install: %v\n%s", err, out)
			}
			checkManifest(t, manifest, dist, version, withLicense)
		})
	}
}

// checkManifest reads the rendered manifest and the archives beside it.
func checkManifest(t *testing.T, manifest, dist, version string, withLicense bool) {
	t.Helper()
	raw, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m krewManifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Spec.Version != version {
		t.Errorf("version = %q, want %q", m.Spec.Version, version)
	}
	var seen []string
	for _, p := range m.Spec.Platforms {
		osArch := p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
		seen = append(seen, osArch)
		archive := filepath.Join(dist, filepath.Base(p.URI))
		if want := "https://github.com/workloadhealth/workloadhealth/releases/download/" + version + "/"; !strings.HasPrefix(p.URI, want) {
			t.Errorf("%s: uri %s is not under %s", osArch, p.URI, want)
		}
		data, err := os.ReadFile(archive)
		if err != nil {
			t.Fatalf("%s: %v", osArch, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != p.Sha256 {
			t.Errorf("%s: sha256 %s is not the archive's", osArch, p.Sha256)
		}
		entries := archiveEntries(t, archive)
		want := []string{p.Bin}
		if withLicense {
			want = append(want, "LICENSE")
		}
		if !slices.Equal(entries, want) {
			t.Errorf("%s: archive holds %v, want %v", osArch, entries, want)
		}
		var from []string
		for _, f := range p.Files {
			from = append(from, f.From)
		}
		if !slices.Equal(from, want) {
			t.Errorf("%s: files copy %v, want %v", osArch, from, want)
		}
		if strings.HasPrefix(osArch, "windows/") != strings.HasSuffix(p.Bin, ".exe") {
			t.Errorf("%s: bin %s", osArch, p.Bin)
		}
	}
	want := strings.Split(defaultPlatforms, ",")
	if !slices.Equal(seen, want) {
		t.Errorf("platforms %v, want %v", seen, want)
	}
}

// archiveEntries lists a tar.gz's or zip's entries in order.
func archiveEntries(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		return names
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

// TestValidatorRefuses makes sure the validator's verdict means something:
// manifests krew refuses, rendered from the same template, fail.
func TestValidatorRefuses(t *testing.T) {
	root := repoRoot(t)
	good := platform{OS: "linux", Arch: "amd64", Sha256: strings.Repeat("ab", 32)}
	tests := []struct {
		name string
		data manifestData
		file string
		want string // in the validator's output
	}{
		{name: "a version without v", data: manifestData{Version: "0.1.0", Platforms: []platform{good}}, file: "workloadhealth.yaml", want: "failed to parse plugin version"},
		{name: "a sha256 that is not one", data: manifestData{Version: "v0.1.0", Platforms: []platform{{OS: "linux", Arch: "amd64", Sha256: "nope"}}}, file: "workloadhealth.yaml", want: "`sha256` value nope is not valid"},
		{name: "two platforms for one", data: manifestData{Version: "v0.1.0", Platforms: []platform{good, good}}, file: "workloadhealth.yaml", want: "overlapping selectors"},
		{name: "a file named for another plugin", data: manifestData{Version: "v0.1.0", Platforms: []platform{good}}, file: "other.yaml", want: `plugin should be named "other"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			manifest := filepath.Join(t.TempDir(), tt.file)
			if err := render(filepath.Join(root, "plugins", "workloadhealth.yaml"), tt.data, manifest); err != nil {
				t.Fatal(err)
			}
			out, err := validate(t, root, manifest)
			if err == nil || !strings.Contains(string(out), tt.want) {
				t.Errorf("validate-krew-manifest: %v, want a refusal saying %q:\n%s", err, tt.want, out)
			}
		})
	}
}

// TestArchivesAreReproducible packs the same files twice: the same bytes.
func TestArchivesAreReproducible(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []platform{{OS: "linux", Arch: "amd64"}, {OS: "windows", Arch: "arm64"}} {
		_, a, err := pack(p, bin, "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		_, b, err := pack(p, bin, "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: two packs of one binary differ: %s, %s", p.Archive(), a, b)
		}
	}
}

func TestRunRefusesAVersionKrewRefuses(t *testing.T) {
	for _, v := range []string{"", "0.1.0", "v1", "v0.1.0_rc1", "latest"} {
		if err := run(context.Background(), v, t.TempDir(), "", "", defaultPlatforms); err == nil || !strings.Contains(err.Error(), "semantic versioning") {
			t.Errorf("version %q: %v", v, err)
		}
	}
}

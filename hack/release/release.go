package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// pluginName is the binary's name: kubectl finds kubectl-NAME on PATH.
const pluginName = "kubectl-workloadhealth"

// archiveEpoch is the time of every archive entry (2000-01-01 UTC), so
// that archives of the same binary are the same bytes. Zip cannot store
// times before 1980.
const archiveEpoch = 946684800

func archiveTime() time.Time { return time.Unix(archiveEpoch, 0).UTC() }

// platform is one OS and architecture of a release.
type platform struct {
	OS, Arch string
	// Sha256 of the archive, once packed.
	Sha256 string
}

// defaultPlatforms are the platforms a release builds: krew's common
// ones.
const defaultPlatforms = "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64,windows/arm64"

func parsePlatforms(s string) ([]platform, error) {
	var out []platform
	for _, f := range strings.Split(s, ",") {
		goos, arch, ok := strings.Cut(strings.TrimSpace(f), "/")
		if !ok || goos == "" || arch == "" {
			return nil, fmt.Errorf("platform %q is not OS/ARCH", f)
		}
		out = append(out, platform{OS: goos, Arch: arch})
	}
	return out, nil
}

// Binary is the binary's file name on the platform.
func (p platform) Binary() string {
	if p.OS == "windows" {
		return pluginName + ".exe"
	}
	return pluginName
}

// Archive is the archive's file name: zip for Windows, tar.gz elsewhere,
// as krew and their users expect.
func (p platform) Archive() string {
	ext := "tar.gz"
	if p.OS == "windows" {
		ext = "zip"
	}
	return fmt.Sprintf("%s_%s_%s.%s", pluginName, p.OS, p.Arch, ext)
}

// build builds the plugin for the platform into dir and returns the
// binary's path. The module is the one of the working directory.
func build(ctx context.Context, p platform, version, dir string) (string, error) {
	out := filepath.Join(dir, p.OS+"_"+p.Arch, p.Binary())
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X main.version="+version, "-o", out, "./cmd/kubectl-workloadhealth")
	cmd.Env = append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build for %s/%s: %w\n%s", p.OS, p.Arch, err, b)
	}
	return out, nil
}

// archiveFile is a file of an archive: its name inside and where it is.
type archiveFile struct {
	name, path string
	mode       int64
}

// pack writes the platform's archive into dir with the binary and, when
// license is not empty, the license file; it returns the archive's path
// and sha256.
func pack(p platform, binary, license, dir string) (string, string, error) {
	files := []archiveFile{{name: p.Binary(), path: binary, mode: 0o755}}
	if license != "" {
		files = append(files, archiveFile{name: filepath.Base(license), path: license, mode: 0o644})
	}
	var buf bytes.Buffer
	var err error
	if p.OS == "windows" {
		err = writeZip(&buf, files)
	} else {
		err = writeTarGz(&buf, files)
	}
	if err != nil {
		return "", "", fmt.Errorf("pack %s: %w", p.Archive(), err)
	}
	out := filepath.Join(dir, p.Archive())
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return out, hex.EncodeToString(sum[:]), nil
}

func writeTarGz(w io.Writer, files []archiveFile) error {
	gz := gzip.NewWriter(w) // no name and no time in the header
	tw := tar.NewWriter(gz)
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(data)), ModTime: archiveTime(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, files []archiveFile) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: archiveTime()}
		hdr.SetMode(os.FileMode(f.mode))
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := fw.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// manifestData is what the krew manifest's template reads.
type manifestData struct {
	Version   string
	Platforms []platform
	// License is the license file's name in the archives, "" without one.
	License string
}

// render renders the manifest template into out.
func render(templatePath string, data manifestData, out string) error {
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		return err
	}
	// The template's own header comment says how the file is made; the
	// rendered manifest starts at its apiVersion.
	text := string(raw)
	if i := strings.Index(text, "apiVersion:"); i > 0 {
		text = text[i:]
	}
	t, err := template.New(filepath.Base(templatePath)).Option("missingkey=error").Parse(text)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", templatePath, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// checksums is the platforms' sums in sha256sum's format.
func checksums(platforms []platform) []byte {
	var b bytes.Buffer
	for _, p := range platforms {
		fmt.Fprintf(&b, "%s  %s\n", p.Sha256, p.Archive())
	}
	return b.Bytes()
}

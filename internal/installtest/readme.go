package installtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// ReadmeCommand is the one command line of the README's "## Install"
// section that starts with prefix (such as "helm install "), split into
// words, so that tests run exactly what the README tells users to.
func ReadmeCommand(prefix string) ([]string, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return nil, err
	}
	var found [][]string
	inSection, inCode := false, false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			inSection = line == "## Install"
		case strings.HasPrefix(line, "```"):
			inCode = !inCode
		case inSection && inCode && strings.HasPrefix(line, prefix):
			found = append(found, strings.Fields(line))
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("README.md's Install section has %d command lines starting with %q, want 1", len(found), prefix)
	}
	return found[0], nil
}

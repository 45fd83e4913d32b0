package throttle

import (
	"fmt"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// figuresFileEnv names the environment variable that, when set, names a
// file to which every measured figure is appended.
const figuresFileEnv = "WH_FIGURES_FILE"

// recordFigure prints a measured duration as "name seconds", and appends
// that line to the file named by $WH_FIGURES_FILE when it is set, so that
// several runs can be compared (docs/reliability.md gives their median).
// Figures are what we measure, not what we assert.
func recordFigure(name string, d time.Duration) {
	GinkgoHelper()
	line := fmt.Sprintf("%s %.2f\n", name, d.Seconds())
	GinkgoWriter.Print(line)
	path := os.Getenv(figuresFileEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	Expect(err).NotTo(HaveOccurred(), "open %s=%s", figuresFileEnv, path)
	_, werr := f.WriteString(line)
	Expect(f.Close()).To(Succeed())
	Expect(werr).NotTo(HaveOccurred(), "append to %s", path)
}

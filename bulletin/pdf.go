package bulletin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoChromium is returned by FindChromium when no Chromium is installed.
var ErrNoChromium = errors.New("--format pdf prints through headless Chromium, which is not installed: install the Debian package chromium (apt-get install chromium), and fonts-noto-cjk for the Chinese text")

// Browsers are the commands FindChromium looks for, in order.
func Browsers() []string {
	return []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
}

// FindChromium returns the path of the first of Browsers found in the
// directories of path (a PATH list), or ErrNoChromium.
func FindChromium(path string) (string, error) {
	for _, name := range Browsers() {
		for _, dir := range filepath.SplitList(path) {
			file := filepath.Join(dir, name)
			if fi, err := os.Stat(file); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return file, nil
			}
		}
	}
	return "", ErrNoChromium
}

// PDF prints page, a self-contained HTML document, to A4 PDF with the
// headless browser at chromium. The page numbers come from the page's own
// @page rules, so the browser's header and footer are turned off.
func PDF(ctx context.Context, chromium string, page []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "spotcheck-bulletin-")
	if err != nil {
		return nil, fmt.Errorf("print to PDF: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "bulletin.html"), filepath.Join(dir, "bulletin.pdf")
	if err := os.WriteFile(in, page, 0o600); err != nil {
		return nil, fmt.Errorf("print to PDF: %w", err)
	}
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--no-default-browser-check", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("print to PDF with %s: %w: %s", chromium, err, lastLines(stderr.String(), 5))
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("print to PDF with %s: no PDF written: %w: %s", chromium, err, lastLines(stderr.String(), 5))
	}
	return pdf, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

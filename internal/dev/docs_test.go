package dev_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The repository's root, seen from this package's directory.
var root = filepath.Join("..", "..")

// packageMapRow is a row of architecture.md's package map: its first cell
// names one package, in backquotes.
var packageMapRow = regexp.MustCompile("^\\| `(internal(?:/[a-z0-9_]+)*)` \\|")

// mappedPackages returns the packages named by the package map of doc (the
// rows under its "### Package map" heading, up to the next heading), with
// the ones named twice.
func mappedPackages(t *testing.T, doc string) (pkgs, twice []string) {
	t.Helper()
	f, err := os.Open(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			in = strings.TrimSpace(line) == "### Package map"
			continue
		}
		if m := packageMapRow.FindStringSubmatch(line); in && m != nil {
			if slices.Contains(pkgs, m[1]) {
				twice = append(twice, m[1])
			}
			pkgs = append(pkgs, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pkgs, twice
}

// sourcePackages returns the packages under dir (relative to the
// repository's root): every directory holding a Go file that is not a
// test, outside testdata.
func sourcePackages(t *testing.T, dir string) []string {
	t.Helper()
	var pkgs []string
	err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		if p := filepath.ToSlash(rel); !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// missing returns what is in want and not in have.
func missing(want, have []string) []string {
	var out []string
	for _, p := range want {
		if !slices.Contains(have, p) {
			out = append(out, p)
		}
	}
	return out
}

// docs/architecture.md's package map names every package under internal/,
// once, and no package that is gone.
func TestArchitecturePackageMapMatchesTheCode(t *testing.T) {
	const doc = "docs/architecture.md"
	mapped, twice := mappedPackages(t, filepath.Join(root, doc))
	code := sourcePackages(t, "internal")
	// The check can fail: the code has packages, and the map names some.
	if len(code) < 10 || !slices.Contains(code, "internal/thankyou") {
		t.Fatalf("found %d packages under internal/ (%v): the walk is wrong", len(code), code)
	}
	if len(mapped) == 0 {
		t.Fatalf("%s has no package map (a table under \"### Package map\" whose rows start with | `internal/...` |)", doc)
	}
	for _, p := range missing(code, mapped) {
		t.Errorf("%s's package map does not name %s: add a row saying what it owns", doc, p)
	}
	for _, p := range missing(mapped, code) {
		t.Errorf("%s's package map names %s, which is no package: remove or rename its row", doc, p)
	}
	for _, p := range twice {
		t.Errorf("%s's package map names %s twice", doc, p)
	}
}

// Command dashboard checks Grafana dashboard JSON against the dashboard schema of the Grafana
// Foundation SDK (github.com/grafana/grafana-foundation-sdk/go, Apache-2.0): a strict decode
// (unknown fields are errors, panel options and queries decoded by their plugin's types) and
// the schema's validation. Each argument is a dashboard file; errors go to stderr by file.
package main

import (
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func check(file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var d dashboard.Dashboard
	if err := orNil(d.UnmarshalJSONStrict(raw)); err != nil {
		return err
	}
	return orNil(d.Validate())
}

// orNil: the generated code returns an empty cog.BuildErrors (a non-nil error) for "no errors".
func orNil(err error) error {
	if errs, ok := err.(cog.BuildErrors); ok && len(errs) == 0 {
		return nil
	}
	return err
}

func main() {
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, file := range os.Args[1:] {
		if err := check(file); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
)

// outputOptions are -o and the flags beside it, as kubectl get has them:
// cli-runtime's PrintFlags (json, yaml, name, go-template, jsonpath and
// their -file forms) and, for the commands that print a table, "" and
// wide with --no-headers.
type outputOptions struct {
	print     *genericclioptions.PrintFlags
	tables    bool
	noHeaders bool
}

func newOutputOptions(tables bool) *outputOptions {
	return &outputOptions{print: genericclioptions.NewPrintFlags(""), tables: tables}
}

// addFlags adds -o, --template, --allow-missing-template-keys,
// --show-managed-fields and, with tables, --no-headers; defaults says
// what the command prints without -o.
func (o *outputOptions) addFlags(cmd *cobra.Command, defaults string) {
	o.print.AddFlags(cmd)
	cmd.Flags().Lookup("output").Usage = fmt.Sprintf("Output format, one of: %s. Without it, %s.", strings.Join(o.formats(), ", "), defaults)
	if o.tables {
		cmd.Flags().BoolVar(&o.noHeaders, "no-headers", false, "Print the table (the default output or -o wide) without its header line.")
	}
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return o.formats(), cobra.ShellCompDirectiveNoFileComp
	})
}

// formats are the values -o takes.
func (o *outputOptions) formats() []string {
	var out []string
	if o.tables {
		out = append(out, "wide")
	}
	return append(out, o.print.AllowedFormats()...)
}

// format is -o as given.
func (o *outputOptions) format() string { return *o.print.OutputFormat }

// table says whether the output is a table ("" or wide).
func (o *outputOptions) table() bool {
	f := o.format()
	return o.tables && (f == "" || f == "wide") && !o.templateOnly()
}

// templateOnly says --template was given without -o: kubectl then prints
// with a Go template.
func (o *outputOptions) templateOnly() bool {
	t := o.print.TemplatePrinterFlags.TemplateArgument
	return o.format() == "" && t != nil && *t != ""
}

// validate checks -o before anything is read, so that a wrong flag prints
// nothing.
func (o *outputOptions) validate() error {
	if o.table() || (!o.tables && o.format() == "" && !o.templateOnly()) {
		return nil
	}
	_, err := o.printer()
	return err
}

// printer is the printer of a format other than a table.
func (o *outputOptions) printer() (printers.ResourcePrinter, error) {
	p, err := o.print.ToPrinter()
	if genericclioptions.IsNoCompatiblePrinterError(err) {
		return nil, fmt.Errorf("unknown output format %q: use one of %s", o.format(), strings.Join(o.formats(), ", "))
	}
	return p, err
}

package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// build runs kustomize, as `kubectl kustomize config/default` does, on an
// in-memory copy of configDir whose default kustomization edit may change
// first (add a component, set the image), so config/ itself is never
// written.
func build(configDir string, edit func(*types.Kustomization)) (resmap.ResMap, error) {
	mem := filesys.MakeFsInMemory()
	err := filepath.WalkDir(configDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(configDir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return mem.WriteFile(filepath.Join("/config", rel), data)
	})
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", configDir, err)
	}
	kpath := "/config/default/kustomization.yaml"
	data, err := mem.ReadFile(kpath)
	if err != nil {
		return nil, err
	}
	var k types.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		return nil, fmt.Errorf("read %s/default/kustomization.yaml: %w", configDir, err)
	}
	edit(&k)
	if data, err = yaml.Marshal(&k); err != nil {
		return nil, err
	}
	if err := mem.WriteFile(kpath, data); err != nil {
		return nil, err
	}
	// kubectl kustomize's order: Namespace, CRDs and RBAC before what
	// needs them, which kubectl apply -f relies on.
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	m, err := krusty.MakeKustomizer(opts).Run(mem, "/config/default")
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s/default: %w", configDir, err)
	}
	return m, nil
}

// Package naming derives the name and the labels of the WorkloadHealth of a
// target from its identity (group, kind and name): `<lower-case kind>-<name>`
// for the built-in kinds, `<lower-case kind>.<group>-<name>` for the others,
// cut and suffixed with a hash when it would be too long, so that the same
// target always maps to the same object and two kinds of one name in
// different groups never share one.
package naming

// Package naming derives the name and the labels of the WorkloadHealth of a
// target: `<lower-case kind>-<name>`, cut and suffixed with a hash when it
// would be too long, so that the same target always maps to the same object.
package naming

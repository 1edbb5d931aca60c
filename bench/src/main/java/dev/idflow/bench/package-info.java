/** The performance harness: see bench/README.md and docs/PERFORMANCE.md. */
package dev.idflow.bench;

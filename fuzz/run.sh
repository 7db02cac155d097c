#!/usr/bin/env bash
# Fuzzes the QRIS parser (target qris_parse) for a bounded time with cargo-fuzz (libFuzzer).
#
#   fuzz/run.sh                 # about 60 s of fuzzing (after the build)
#   FUZZ_SECONDS=600 fuzz/run.sh
#   FUZZ_SANITIZER=none fuzz/run.sh   # without AddressSanitizer (faster; the code is safe Rust)
#
# Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc take the -Z flags that
# cargo-fuzz passes (sanitizer, coverage instrumentation). Installs cargo-fuzz if missing.
# The corpus starts from the payloads of crates/guyub-core/tests/data/qris-dev-vectors.json.
# Exit status: 0 when no crash was found, non-zero otherwise (the crashing input is saved in
# fuzz/artifacts/qris_parse/ and printed with a reproduction command).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-address}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

corpus=fuzz/corpus/qris_parse
mkdir -p "$corpus"
# Seed: every payload and expected dynamic payload of the test vectors (ASCII, no quotes).
grep -o '"\(payload\|expected_dynamic\)": "[^"]*"' crates/guyub-core/tests/data/qris-dev-vectors.json \
  | sed 's/^[^:]*: "//; s/"$//' \
  | while IFS= read -r p; do
      printf '%s' "$p" >"$corpus/seed-$(printf '%s' "$p" | cksum | cut -d' ' -f1)"
    done

export RUSTC_BOOTSTRAP=1
exec cargo fuzz run --fuzz-dir fuzz --sanitizer "$sanitizer" qris_parse "$corpus" -- \
  -max_total_time="$seconds" -max_len=1024 -print_final_stats=1

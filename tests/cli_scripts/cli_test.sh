#!/usr/bin/env bash
# Command-line behaviour of the real `ren` binary: exit codes (INTERFACE.md: 0 success, 2 bad usage
# or config, 1 failed run), messages and the files a run leaves behind.
#
#   cli_test.sh REN_BINARY SOURCE_DIR CASE
#
# Runs one CASE in a fresh temporary directory (removed on exit); prints "PASS CASE" or
# "FAIL CASE: reason" and exits non-zero on failure. `cli_test.sh REN SRC list` prints the cases.
set -u

# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh" "$@"

# Unique label values of a .nii.gz label map, as "a b c" (plain Python: gzip + the NIfTI-1 header).
nifti_labels() {
  python3 - "$1" <<'EOF'
import gzip, struct, sys
raw = gzip.open(sys.argv[1]).read()
endian = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
dims = struct.unpack(endian + "8h", raw[40:56])
datatype = struct.unpack(endian + "h", raw[70:72])[0]
offset = int(struct.unpack(endian + "f", raw[108:112])[0])
codes = {2: "B", 4: "h", 8: "i", 256: "b", 512: "H", 768: "I", 16: "f", 64: "d"}
fmt = codes[datatype]
n = 1
for i in range(1, dims[0] + 1):
    n *= dims[i]
values = struct.unpack(endian + str(n) + fmt, raw[offset:offset + n * struct.calcsize(fmt)])
print(" ".join(str(int(v)) for v in sorted(set(values))))
EOF
}

# The tiny run used by the run cases: RUN=$W/run.
RUN="$W/run"
# Seed 12: fold 0's validation half (one patient of this 10-patient cohort) holds scans of both classes,
# which the gate stage needs (with 5 and with 4 folds).
TINY_SETS=(--set "run.dir=$RUN" --set run.seed=12 --set synth.size=24 --set synth.spacing=10 --set run.log_level=info)
tiny_run() { ren run --config "$TINY" "${TINY_SETS[@]}" "$@"; }

check_synth_dir() { # DIR: a complete synthetic cohort directory
  local dir=$1 rows images lobes
  expect_file "$dir/cohort.csv"
  expect_file "$dir/truth.json"
  [ "$(head -n 1 "$dir/cohort.csv")" = "scan_id,patient_id,label,image,lobes,site" ] ||
    fail "cohort.csv header is '$(head -n 1 "$dir/cohort.csv")'"
  rows=$(($(wc -l <"$dir/cohort.csv") - 1))
  [ "$rows" -ge 3 ] || fail "cohort.csv has $rows scans for 3 patients"
  images=$(find "$dir/images" -name '*.nii.gz' | wc -l)
  lobes=$(find "$dir/lobes" -name '*.nii.gz' | wc -l)
  [ "$images" -eq "$rows" ] || fail "$images images for $rows scans"
  [ "$lobes" -eq "$rows" ] || fail "$lobes lobe maps for $rows scans"
  # Every row points at files that exist, paths relative to the CSV.
  local missing
  missing=$(tail -n +2 "$dir/cohort.csv" | while IFS=, read -r scan _patient label image lobe _site; do
    [ -f "$dir/$image" ] || echo "$image"
    [ -f "$dir/$lobe" ] || echo "$lobe"
    case "$label" in 0 | 1) ;; *) echo "label $label of $scan" ;; esac
  done)
  [ -z "$missing" ] || fail "cohort.csv rows point at missing files or bad labels: $missing"
  [ "$(tail -n +2 "$dir/cohort.csv" | cut -d, -f2 | sort -u | wc -l)" -eq 3 ] || fail "not 3 patients in cohort.csv"
  json_get "$dir/truth.json" 'len(d["scans"])' >"$IO/n" || fail "truth.json is not valid JSON: $(cat "$IO/n")"
  [ "$(cat "$IO/n")" = "$rows" ] || fail "truth.json has $(cat "$IO/n") scans, cohort.csv $rows"
}

case_version() {
  ren version
  expect_rc 0
  local lib
  for lib in libtorch xgboost hdf5 itk mpi tomlplusplus; do
    grep -qE "^[[:space:]]*${lib}[[:space:]]+[^[:space:]]" "$IO/out" || fail "no '$lib <version>' line in ren version
$(show)"
  done
  grep -qE '^ren [0-9]' "$IO/out" || fail "no 'ren <version>' line"
}

case_version_json() {
  ren version --json
  expect_rc 0
  python3 -c 'import json,sys; json.load(sys.stdin)' <"$IO/out" || fail "ren version --json is not valid JSON"
  local keys
  keys=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(k for k in ["ren","libtorch","xgboost","hdf5","itk","mpi","tomlplusplus","cuda"] if k not in d))' <"$IO/out")
  [ -z "$keys" ] || fail "ren version --json lacks: $keys"
}

case_help() {
  ren --help
  expect_rc 0
  local sub
  for sub in version config synth split run status preprocess radiomics train-task train gate fuse reduce submit; do
    expect_in "$IO/out" "$sub"
  done
  ren split --help
  expect_rc 0
  expect_in "$IO/out" "--config"
  expect_in "$IO/out" "--set"
  ren config check --help
  expect_rc 0
  expect_empty_dir "$W"
}

# Every subcommand prints --help and exits 0 (the unavailable ones: see case_unavailable).
check_sub_help() {
  local sub
  for sub in "$@"; do
    ren "$sub" --help
    expect_rc 0
    expect_in "$IO/out" "Usage"
  done
  expect_empty_dir "$W"
}
case_help_available() { check_sub_help version config synth split preprocess radiomics train-task train gate reduce run status; }

case_no_subcommand() {
  ren
  expect_rc 2
  expect_last_err "subcommand"
}

case_unknown_subcommand() {
  ren frobnicate
  expect_rc 2
  expect_last_err "ren: usage error"
  ren frobnicate --config "$TINY"
  expect_rc 2
  expect_empty_dir "$W"
}

case_split_without_config() {
  ren split
  expect_rc 2
  expect_last_err "--config"
  ren run
  expect_rc 2
  expect_last_err "--config"
  ren split --config "$W/does-not-exist.toml"
  expect_rc 2
  expect_last_err "does-not-exist.toml"
  expect_empty_dir "$W"
}

case_config_check() {
  ren config check "$TINY"
  expect_rc 0
  expect_in "$IO/out" "valid"
  ren config show "$TINY"
  expect_rc 0
  expect_in "$IO/out" "[synth]"
  expect_in "$IO/out" "size = 40"
  printf '[synth]\nsize = 24\nsizee = 3\n' >"$TMP/unknown-key.toml"
  ren config check "$TMP/unknown-key.toml"
  expect_rc 2
  expect_last_err "synth.sizee"
  expect_last_err "unknown-key.toml"
  expect_in "$IO/err" "patients"
  printf '[synth]\nsize = 4\n' >"$TMP/range.toml"
  ren config check "$TMP/range.toml"
  expect_rc 2
  expect_last_err "between 16 and 1024"
  printf '[run\nseed = 1\n' >"$TMP/broken.toml"
  ren config check "$TMP/broken.toml"
  expect_rc 2
  expect_last_err "broken.toml:1"
}

case_set_bad_value() {
  ren config check "$TINY" --set synth.size=abc
  expect_rc 2
  expect_last_err "synth.size"
  # A stage command with a bad override fails before creating anything.
  ren split --config "$TINY" --set "run.dir=$W/r" --set synth.size=abc
  expect_rc 2
  expect_last_err "synth.size"
  ren run --config "$TINY" --set "run.dir=$W/r" --set synth.sizee=30
  expect_rc 2
  expect_last_err "synth.sizee"
  ren run --config "$TINY" --set "run.dir=$W/r" --set novalue
  expect_rc 2
  expect_last_err "novalue"
  ren config show "$TINY" --set synth.size=24 --set split.folds=3
  expect_rc 0
  expect_in "$IO/out" "size = 24"
  expect_in "$IO/out" "folds = 3"
  expect_empty_dir "$W"
}

case_unavailable() { # STAGE
  local stage=$1
  local args=(--config "$TINY")
  [ "$stage" = "train-task" ] && args+=(--region LLL --arch cnn --fold 0)
  ren "$stage" "${args[@]}"
  expect_rc 2
  expect_last_err "is not available in this build"
  expect_last_err "$stage"
  # No run directory (tiny.toml's runs/tiny would land in the working directory), nothing at all.
  expect_empty_dir "$W"
  # It still documents itself.
  ren "$stage" --help
  expect_rc 0
  expect_in "$IO/out" "not available in this build"
}

case_synth() {
  ren synth --out "$W/cohort" --patients 3 --size 24 --spacing 10 --seed 5
  expect_rc 0
  check_synth_dir "$W/cohort"
  [ "$(json_get "$W/cohort/truth.json" 'd["generator"]["labels"]')" = "lungmask" ] || fail "truth.json labels not lungmask"
  local labels
  labels=$(nifti_labels "$(find "$W/cohort/lobes" -name '*.nii.gz' | head -n 1)") || fail "cannot read a lobe map: $labels"
  [ "$labels" = "0 1 2 3 4 5" ] || fail "lungmask lobe map has labels '$labels', expected 0 1 2 3 4 5"
  sha256sum "$W/cohort/cohort.csv" >"$TMP/sum"
  ren synth --out "$W/cohort" --patients 3 --size 24 --spacing 10 --seed 5
  expect_rc 0
  expect_in "$IO/all" "already complete"
  sha256sum -c --quiet "$TMP/sum" || fail "cohort.csv changed on the second synth"
  # Same seed elsewhere: the same cohort.
  ren synth --out "$W/again" --patients 3 --size 24 --spacing 10 --seed 5
  expect_rc 0
  cmp -s "$W/cohort/cohort.csv" "$W/again/cohort.csv" || fail "the same seed gave a different cohort.csv"
  cmp -s "$W/cohort/truth.json" "$W/again/truth.json" || fail "the same seed gave a different truth.json"
}

case_synth_totalseg() {
  ren synth --out "$W/ts" --patients 3 --size 24 --spacing 10 --seed 5 --labels totalseg-v2
  expect_rc 0
  check_synth_dir "$W/ts"
  [ "$(json_get "$W/ts/truth.json" 'd["generator"]["labels"]')" = "totalseg-v2" ] || fail "truth.json labels not totalseg-v2"
  local labels
  labels=$(nifti_labels "$(find "$W/ts/lobes" -name '*.nii.gz' | head -n 1)") || fail "cannot read a lobe map: $labels"
  [ "$labels" = "0 10 11 12 13 14" ] || fail "totalseg-v2 lobe map has labels '$labels', expected 0 10 11 12 13 14"
  ren synth --out "$W/bad" --patients 3 --size 24 --labels foo
  expect_rc 2
  expect_last_err "synth.labels"
  ren synth --out "$W/bad" --patients 3 --size 8
  expect_rc 2
  expect_last_err "synth.size"
  expect_no_file "$W/bad/cohort.csv"
}

check_first_run() {
  expect_rc 0
  local f
  for f in manifest.json config.toml split.csv split.json logs/synth.log logs/split.log cohort/cohort.csv \
    radiomics/features.csv radiomics/features.h5 tasks/LLL-cnn-f0/metrics.json tasks/RUL-xgb-f0/model.json \
    tasks/LUNG-swinunetr-f0/model.pt gating/cnn-f0.json gating/all-f0.json gating/xgb-f0.predictions.csv \
    tables/T1_region_architecture_auc.csv tables/T3_ren_vs_baselines.md tables/T8_cost_per_architecture.tex \
    tables/README.md; do
    expect_file "$RUN/$f"
  done
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["synth"]["status"]')" = "done" ] || fail "synth not done in manifest"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["split"]["status"]')" = "done" ] || fail "split not done in manifest"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["radiomics"]["status"]')" = "done" ] || fail "radiomics not done in manifest"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["reduce"]["status"]')" = "done" ] || fail "reduce not done in manifest"
  # The gate stage selected a strategy on validation; T6 says which stage it lacks.
  [ -n "$(json_get "$RUN/gating/cnn-f0.json" 'd["selected"]["name"]')" ] || fail "gating/cnn-f0.json selects nothing"
  expect_in "$RUN/tables/T6_ensemble_vs_fusion.csv" "stage fuse has not run"
}

case_run() {
  tiny_run
  check_first_run
  expect_not_in "$IO/all" "skipping"
  [ "$(head -n 1 "$RUN/split.csv")" = "scan_id,patient_id,fold,role" ] || fail "split.csv header is '$(head -n 1 "$RUN/split.csv")'"
  # Folds 0..4 of tiny.toml; roles train/val/test; every scan of the cohort in every fold.
  [ "$(tail -n +2 "$RUN/split.csv" | cut -d, -f3 | sort -u | tr '\n' ' ')" = "0 1 2 3 4 " ] || fail "split.csv folds are not 0..4"
  [ "$(tail -n +2 "$RUN/split.csv" | cut -d, -f4 | sort -u | tr '\n' ' ')" = "test train val " ] || fail "split.csv roles"
  local scans rows
  scans=$(($(wc -l <"$RUN/cohort/cohort.csv") - 1))
  rows=$(($(wc -l <"$RUN/split.csv") - 1))
  [ "$rows" -eq $((scans * 5)) ] || fail "split.csv has $rows rows for $scans scans x 5 folds"
  [ "$(json_get "$RUN/manifest.json" 'd["config_hash"]')" != "" ] || fail "manifest has no config_hash"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$RUN/split.json" || fail "split.json is not valid JSON"
  expect_in "$RUN/logs/synth.log" "stage synth: done"
  expect_in "$RUN/logs/split.log" "stage split: done"
  # The effective config is a valid config with the overrides recorded, and its hash is the manifest's.
  ren config check "$RUN/config.toml"
  expect_rc 0
  expect_in "$IO/out" "$(json_get "$RUN/manifest.json" 'd["config_hash"]')"
  expect_in "$RUN/config.toml" "size = 24"
  expect_in "$RUN/config.toml" "$RUN"
}

case_run_resume() {
  tiny_run
  check_first_run
  sha256sum "$RUN/split.csv" "$RUN/cohort/cohort.csv" "$RUN/split.json" >"$TMP/sums"
  local finished
  finished=$(json_get "$RUN/manifest.json" 'd["stages"]["split"]["finished"]')
  tiny_run
  expect_rc 0
  expect_in "$IO/all" "stage synth: complete"
  expect_in "$IO/all" "stage split: complete"
  expect_in "$IO/all" "stage preprocess: complete"
  expect_in "$IO/all" "stage radiomics: complete"
  expect_in "$IO/all" "stage train: complete"
  expect_in "$IO/all" "stage gate: complete"
  expect_in "$IO/all" "stage reduce: complete"
  [ "$(grep -c "skipping" "$IO/all")" -eq 7 ] || fail "expected 7 'skipping' lines (synth, split, preprocess, radiomics, train, gate, reduce)
$(show)"
  expect_not_in "$IO/all" "started"
  sha256sum -c --quiet "$TMP/sums" || fail "outputs changed on a resumed run"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["split"]["attempts"]')" = "1" ] || fail "split ran again"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["synth"]["attempts"]')" = "1" ] || fail "synth ran again"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["split"]["finished"]')" = "$finished" ] || fail "split record rewritten"
  # --force reruns anyway and gives the same split (deterministic).
  ren split --config "$TINY" "${TINY_SETS[@]}" --force
  expect_rc 0
  expect_in "$IO/all" "stage split: started"
  sha256sum -c --quiet "$TMP/sums" || fail "a forced split gave a different split.csv"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["split"]["attempts"]')" = "2" ] || fail "forced split not recorded"
}

case_status() {
  tiny_run
  check_first_run
  ren status "$RUN"
  expect_rc 0
  grep -qE '^[[:space:]]+synth[[:space:]]+done' "$IO/out" || fail "status does not show synth done
$(show)"
  grep -qE '^[[:space:]]+split[[:space:]]+done' "$IO/out" || fail "status does not show split done
$(show)"
  expect_not_in "$IO/out" "stale"
  ren status "$W/not-a-run"
  [ "$RC" -ne 0 ] || fail "ren status of a non-run directory exited 0"
  expect_last_err "not-a-run"
}

case_run_changed_split() {
  tiny_run
  check_first_run
  sha256sum "$RUN/cohort/cohort.csv" >"$TMP/cohort.sum"
  tiny_run --set split.folds=4
  expect_rc 0
  expect_in "$IO/all" "stage synth: complete"
  expect_in "$IO/all" "stage split: started"
  [ "$(tail -n +2 "$RUN/split.csv" | cut -d, -f3 | sort -u | tr '\n' ' ')" = "0 1 2 3 " ] ||
    fail "split.csv folds after split.folds=4: $(tail -n +2 "$RUN/split.csv" | cut -d, -f3 | sort -u | tr '\n' ' ')"
  sha256sum -c --quiet "$TMP/cohort.sum" || fail "the cohort changed though only the split did"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["synth"]["attempts"]')" = "1" ] || fail "synth ran again"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["split"]["attempts"]')" = "2" ] || fail "split did not run again"
  expect_in "$RUN/config.toml" "folds = 4"
  ren status "$RUN"
  expect_rc 0
  expect_not_in "$IO/out" "stale"
  # A change upstream (the cohort) reruns both.
  # (4 patients in 4 folds leave no validation patient: no training there.)
  tiny_run --set split.folds=4 --set synth.patients=4 --set train.experts= --set baseline.architectures=
  expect_rc 0
  expect_in "$IO/all" "stage synth: started"
  expect_in "$IO/all" "stage split: started"
  [ "$(tail -n +2 "$RUN/cohort/cohort.csv" | cut -d, -f2 | sort -u | wc -l)" -eq 4 ] || fail "cohort not regenerated with 4 patients"
}

case_stages_individually() {
  ren synth --config "$TINY" "${TINY_SETS[@]}"
  expect_rc 0
  expect_file "$RUN/cohort/cohort.csv"
  expect_no_file "$RUN/split.csv"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["synth"]["status"]')" = "done" ] || fail "synth stage not recorded"
  ren split --config "$TINY" "${TINY_SETS[@]}"
  expect_rc 0
  expect_file "$RUN/split.csv"
  tiny_run
  expect_rc 0
  [ "$(grep -c "skipping" "$IO/all")" -eq 2 ] || fail "ren run after the single stages did not skip both
$(show)"
}

case_gate_reduce_without_training() {
  ren synth --config "$TINY" "${TINY_SETS[@]}"
  expect_rc 0
  ren split --config "$TINY" "${TINY_SETS[@]}"
  expect_rc 0
  # gate needs every expert's predictions: one message naming a missing file, exit 1, nothing written.
  ren gate --config "$TINY" "${TINY_SETS[@]}"
  expect_rc 1
  expect_last_err "predictions.csv is missing"
  expect_last_err "ren train"
  expect_no_file "$RUN/gating"
  [ "$(json_get "$RUN/manifest.json" 'd["stages"]["gate"]["status"]')" = "failed" ] || fail "gate failure not recorded"
  # reduce reports on whatever the run holds: every table says which stage is missing.
  ren reduce --config "$TINY" "${TINY_SETS[@]}"
  expect_rc 0
  expect_in "$RUN/tables/T1_region_architecture_auc.csv" "stage train has not run"
  expect_in "$RUN/tables/T2_gating_strategies.md" "Not available"
  expect_in "$RUN/tables/T3_ren_vs_baselines.tex" "Not available"
  expect_in "$RUN/tables/README.md" "not available"
}

case_split_no_cohort() {
  ren split --config "$TINY" --set "run.dir=$W/empty"
  expect_rc 1
  expect_last_err "cohort table"
  expect_no_file "$W/empty/split.csv"
  expect_no_file "$W/empty/split.json"
  expect_file "$W/empty/manifest.json"
  [ "$(json_get "$W/empty/manifest.json" 'd["stages"]["split"]["status"]')" = "failed" ] || fail "split not recorded as failed"
  [ "$(json_get "$W/empty/manifest.json" '"cohort table" in d["stages"]["split"]["error"]')" = "True" ] ||
    fail "manifest error does not name the cohort table"
  expect_in "$W/empty/logs/split.log" "cohort table"
  ren status "$W/empty"
  expect_rc 0
  grep -qE '^[[:space:]]+split[[:space:]]+failed' "$IO/out" || fail "status does not show split failed
$(show)"
}

case_bad_label() {
  mkdir -p "$W/data"
  : >"$W/data/a.nii.gz"
  : >"$W/data/b.nii.gz"
  printf 'scan_id,patient_id,label,image,lobes,site\nS1,P1,0,a.nii.gz,b.nii.gz,x\nS2,P2,2,a.nii.gz,b.nii.gz,x\nS3,P3,1,a.nii.gz,b.nii.gz,x\n' \
    >"$W/data/bad.csv"
  ren split --config "$TINY" --set cohort.source=table --set "cohort.table=$W/data/bad.csv" --set cohort.labels=lungmask \
    --set "run.dir=$W/badrun"
  expect_rc 1
  expect_last_err "bad.csv"
  expect_last_err "label"
  local last
  last=$(grep -v '^[[:space:]]*$' "$IO/err" | tail -n 1)
  case "$last" in
    *"row 2"* | *"line 3"* | *"S2"*) ;;
    *) fail "the message does not name the bad row: $last" ;;
  esac
  expect_no_file "$W/badrun/split.csv"
  [ "$(json_get "$W/badrun/manifest.json" 'd["stages"]["split"]["status"]')" = "failed" ] || fail "split not recorded as failed"
}

# `ren synth --spacing X` passes X through std::to_string (6 decimals), so 0.3000004 becomes 0.3.
case_synth_spacing_exact() {
  ren synth --out "$W/c" --patients 2 --size 24 --spacing 0.3000004 --seed 5
  expect_rc 0
  local spacing
  spacing=$(json_get "$W/c/truth.json" 'repr(d["generator"]["spacing_mm"])')
  [ "$spacing" = "0.3000004" ] || fail "--spacing 0.3000004 was written as spacing_mm $spacing"
}
# An unknown subcommand should be named in the last line ("the last line on failure names the cause").
case_unknown_subcommand_named() {
  ren frobnicate
  expect_rc 2
  expect_last_err "frobnicate"
}

CASES="version version_json help help_available no_subcommand unknown_subcommand split_without_config config_check set_bad_value
unavailable_fuse
unavailable_submit synth synth_totalseg run run_resume status run_changed_split stages_individually
split_no_cohort bad_label gate_reduce_without_training
synth_spacing_exact unknown_subcommand_named"

run_case "$CASES"

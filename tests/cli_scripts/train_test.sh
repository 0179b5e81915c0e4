#!/usr/bin/env bash
# `ren train-task` and `ren train` on the real binary over the tests' tiny run (configs/tiny.toml):
# one task and its outputs, skipping and --force, bad tasks and missing inputs, a real kill -9 in the
# middle of a task and the resume, and the whole grid with a failing task.
#
#   train_test.sh REN_BINARY SOURCE_DIR CASE
set -u

# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh" "$@"

# prepare RUN: synth, split, preprocess and radiomics of the tiny cohort, no training.
SETS=(--set synth.size=24 --set synth.spacing=10 --set run.log_level=info)
prepare() {
  ren run --config "$TINY" --set "run.dir=$1" "${SETS[@]}" --set train.experts= --set baseline.architectures=
  [ "$RC" -eq 0 ] || fail "preparing the run failed
$(show)"
}
task() { # RUN ARGS...: ren train-task on RUN
  local run=$1
  shift
  ren train-task --config "$TINY" --set "run.dir=$run" "${SETS[@]}" "$@"
}

case_train_task() {
  prepare "$W/r"
  task "$W/r" --region LLL --arch cnn --fold 0
  expect_rc 0
  expect_in "$IO/out" "task LLL-cnn-f0: trained"
  local d="$W/r/tasks/LLL-cnn-f0"
  for f in predictions.csv metrics.json model.pt status.json log.txt; do expect_file "$d/$f"; done
  expect_no_file "$d/checkpoint.pt"
  [ "$(head -n 1 "$d/predictions.csv")" = "scan_id,patient_id,role,label,prob" ] || fail "predictions.csv header"
  [ "$(json_get "$d/status.json" 'd["state"]')" = "done" ] || fail "status is not done"
  [ "$(json_get "$d/metrics.json" 'd["epochs_run"]')" = "2" ] || fail "epochs_run is not tiny.toml's 2"
  # val + test rows: the scans of fold 0's held-out patients
  local heldout
  heldout=$(awk -F, '$3 == 0 && $4 != "train"' "$W/r/split.csv" | wc -l)
  [ "$(($(wc -l <"$d/predictions.csv") - 1))" -eq "$heldout" ] || fail "predictions.csv rows != held-out scans ($heldout)"
  sha256sum "$d/predictions.csv" "$d/model.pt" >"$TMP/sums"
  # Done with the same inputs: skipped, files untouched.
  task "$W/r" --region LLL --arch cnn --fold 0
  expect_rc 0
  expect_in "$IO/out" "skipped"
  sha256sum -c --quiet "$TMP/sums" || fail "a skipped task changed its outputs"
  # --force retrains: same seed, same predictions; attempts counted.
  task "$W/r" --region LLL --arch cnn --fold 0 --force
  expect_rc 0
  expect_in "$IO/out" "trained"
  sha256sum -c --quiet "$TMP/sums" || fail "a forced retrain gave other predictions or weights"
  [ "$(json_get "$d/status.json" 'd["attempts"]')" = "2" ] || fail "attempts not counted"
  # The radiomics expert and a baseline.
  task "$W/r" --region RUL --arch xgb --fold 0
  expect_rc 0
  expect_file "$W/r/tasks/RUL-xgb-f0/model.json"
  task "$W/r" --region LUNG --arch swinunetr --fold 0
  expect_rc 0
  expect_file "$W/r/tasks/LUNG-swinunetr-f0/model.pt"
}

case_train_task_bad() {
  prepare "$W/r"
  task "$W/r" --region XYZ --arch cnn --fold 0
  expect_rc 2
  expect_last_err "LUL, LLL, RUL, RML, RLL, LEFT, RIGHT, LUNG"
  task "$W/r" --region LLL --arch swinunetr --fold 0
  expect_rc 2
  expect_last_err "swinunetr"
  task "$W/r" --region LUNG --arch xgb --fold 0
  expect_rc 2
  task "$W/r" --region LLL --arch cnn --fold 9
  expect_rc 2
  expect_last_err "folds 0..4"
  task "$W/r" --region LLL --arch cnn --fold 0 --set cnn.channels=4,x
  expect_rc 2
  expect_last_err "cnn.channels"
  task "$W/r" --region LLL --arch cnn --fold 0 --set train.experts=cnn,resnet
  expect_rc 2
  expect_last_err "train.experts"
  task "$W/r" --region LLL --arch cnn
  expect_rc 2
  expect_no_file "$W/r/tasks/LLL-cnn-f0"
  # No stage 1 output: one clear message, exit 1, nothing looking complete.
  cp -r "$W/r" "$W/nodata"
  rm -rf "$W/nodata/data" "$W/nodata/tasks"
  task "$W/nodata" --region LLL --arch cnn --fold 0
  expect_rc 1
  expect_last_err "index.json"
  expect_no_file "$W/nodata/tasks/LLL-cnn-f0/predictions.csv"
  [ "$(json_get "$W/nodata/tasks/LLL-cnn-f0/status.json" 'd["state"]')" = "failed" ] || fail "status is not failed"
  # No split: the message names split.csv.
  rm -f "$W/nodata/split.csv"
  task "$W/nodata" --region LLL --arch cnn --fold 0
  expect_rc 1
  expect_last_err "split.csv"
}

case_train_kill_resume() {
  prepare "$W/r"
  cp -r "$W/r" "$W/u"
  local long=(--set cnn.epochs=30 --set cnn.patience=30)
  task "$W/u" --region LLL --arch cnn --fold 0 "${long[@]}"
  expect_rc 0
  # The same task, killed with SIGKILL once its first checkpoint exists.
  local d="$W/r/tasks/LLL-cnn-f0" i
  "$REN" train-task --config "$TINY" --set "run.dir=$W/r" "${SETS[@]}" --region LLL --arch cnn --fold 0 "${long[@]}" \
    >"$IO/bg.out" 2>&1 &
  BG_PID=$!
  for i in $(seq 1 600); do
    [ -f "$d/checkpoint.pt" ] && break
    sleep 0.1
  done
  [ -f "$d/checkpoint.pt" ] || fail "no checkpoint appeared: $(tail -n 5 "$IO/bg.out")"
  kill -KILL "$BG_PID"
  wait "$BG_PID" 2>/dev/null
  BG_PID=""
  if [ -f "$d/predictions.csv" ]; then skip "the task finished before the kill (machine too fast for 30 epochs)"; fi
  [ "$(json_get "$d/status.json" 'd["state"]')" = "running" ] || fail "a killed task is not left 'running'"
  task "$W/r" --region LLL --arch cnn --fold 0 "${long[@]}"
  expect_rc 0
  expect_in "$d/log.txt" "resuming LLL-cnn-f0 after epoch"
  cmp "$d/predictions.csv" "$W/u/tasks/LLL-cnn-f0/predictions.csv" ||
    fail "resumed predictions differ from the uninterrupted run's"
  [ "$(json_get "$d/metrics.json" 'd["curves"]["val_loss"]')" = "$(json_get "$W/u/tasks/LLL-cnn-f0/metrics.json" 'd["curves"]["val_loss"]')" ] ||
    fail "resumed validation curve differs"
}

case_train_grid() {
  prepare "$W/r"
  ren train --config "$TINY" --set "run.dir=$W/r" "${SETS[@]}"
  expect_rc 0
  # tiny.toml: fold 0, LLL and RUL x cnn, vit, mamba, xgb, plus the swinunetr baseline = 9 tasks.
  expect_in "$IO/out" "[train] 9/9 tasks (9 trained, 0 skipped, 0 failed)"
  expect_in "$IO/out" "ETA"
  [ "$(ls "$W/r/tasks" | wc -l)" -eq 9 ] || fail "expected 9 task directories: $(ls "$W/r/tasks" | tr '\n' ' ')"
  for t in LLL-cnn-f0 RUL-vit-f0 LLL-mamba-f0 RUL-xgb-f0 LUNG-swinunetr-f0; do expect_file "$W/r/tasks/$t/metrics.json"; done
  [ "$(json_get "$W/r/manifest.json" 'd["stages"]["train"]["status"]')" = "done" ] || fail "train not done in manifest"
  # Rerun: the stage is complete. Forced: every task is skipped (same inputs).
  ren train --config "$TINY" --set "run.dir=$W/r" "${SETS[@]}"
  expect_rc 0
  expect_in "$IO/all" "stage train: complete"
  ren train --config "$TINY" --set "run.dir=$W/r" "${SETS[@]}" --force
  expect_rc 0
  expect_in "$IO/out" "[train] 9/9 tasks (0 trained, 9 skipped, 0 failed)"
  # A changed ViT recipe retrains only the ViT tasks.
  ren train --config "$TINY" --set "run.dir=$W/r" "${SETS[@]}" --set vit.lr=0.001
  expect_rc 0
  expect_in "$IO/out" "[train] 9/9 tasks (2 trained, 7 skipped, 0 failed)"
  # A broken input fails its tasks; the others still run; exit 1 naming the failed tasks.
  echo "scan_id,region" >"$W/r/radiomics/features.csv"
  ren train --config "$TINY" --set "run.dir=$W/r" "${SETS[@]}" --set xgb.trees=5 --set cnn.epochs=1
  expect_rc 1
  expect_in "$IO/all" "2 of 9 training tasks failed"
  # cnn (epochs changed) and vit (back to tiny.toml's lr) retrain, mamba and swinunetr are skipped.
  expect_in "$IO/out" "(4 trained, 3 skipped, 2 failed)"
  expect_file "$W/r/tasks/LLL-cnn-f0/metrics.json"
  expect_no_file "$W/r/tasks/LLL-xgb-f0/metrics.json"
  [ "$(json_get "$W/r/tasks/LLL-xgb-f0/status.json" 'd["state"]')" = "failed" ] || fail "xgb task not marked failed"
}

CASES="train_task train_task_bad train_kill_resume train_grid"

run_case "$CASES"

#pragma once
#include <string>

#include "ren/core/Config.h"
#include "ren/core/Stage.h"

namespace ren::preprocess {
/// Registers the `preprocess` stage: the cohort -> RUN/data/shard-NNNN.h5 + RUN/data/index.json.
/// Scans are grouped into shards in cohort order (preprocess.shard_scans per shard); under MPI,
/// rank r builds shards r, r + size, ... so the shards do not depend on the number of ranks. A shard
/// that is complete with the current fingerprint is kept; a half-written or stale one is rebuilt.
/// Rank 0 writes the index once every shard is complete.
void registerPreprocessStage(StageRegistry& registry);

/// Fingerprint text of the scans' inputs (label convention, the cohort table when given, size and
/// modification time of every image and lobe map): part of every stage that reads the source scans.
std::string scanInputsFingerprint(const Config& config);
}  // namespace ren::preprocess

# Oracle for tests/stats/ProcOracleTest.cpp: DeLong statistics computed by R's pROC.
#
# Usage: Rscript --vanilla oracle.R <workdir>
#
# Reads (written by the C++ test):
#   <workdir>/datasets.csv     dataset,label,s1,s2,...   (label 0/1; one score column per model)
#   <workdir>/comparisons.csv  first,first_model,second,second_model   (unpaired tests across data sets)
# Writes:
#   <workdir>/asah.csv         pROC's aSAH data: label (outcome == "Poor"), s1 = wfns, s2 = s100b, s3 = ndka
#   <workdir>/results.csv      dataset,quantity,value   (value printed with %.17g)
#
# Every ROC curve is roc(label, score, direction = "<", levels = c(0, 1)): higher scores = class 1.
# aSAH is analysed as the data set "aSAH" like the C++ data sets. Quantities per data set with K
# models (k < l):
#   auc.k, var.k (var(roc, method = "delong")), ci.lower.k / ci.upper.k (ci.auc(method = "delong")),
#   cov.k.l (cov(roc_k, roc_l, method = "delong")),
#   paired.Z.k.l, paired.p.k.l, paired.lower.k.l, paired.upper.k.l (roc.test(paired = TRUE)),
#   unpaired.D.k.l, unpaired.df.k.l, unpaired.p.k.l (roc.test(paired = FALSE)),
#   equality.chi2, equality.df, equality.p (K >= 2: chi2 = (L a)' (L S L')^-1 (L a) with rows
#   e_k - e_{k+1} and S from pROC's var/cov; pROC has no K-model test itself).
# Cross-data-set comparisons are written under the dataset name "<first>:<k>~<second>:<l>" with the
# quantities unpaired.D, unpaired.df, unpaired.p.
# Exit status 3 when pROC is not installed.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) {
  message("usage: Rscript oracle.R <workdir>")
  quit(status = 2)
}
if (!requireNamespace("pROC", quietly = TRUE)) {
  message("the R package pROC is not installed: install r-cran-proc (apt-get install r-cran-proc; ",
          "tools/install-deps.sh installs it in CI)")
  quit(status = 3)
}
suppressPackageStartupMessages(library(pROC))
workdir <- args[1]

results <- character(0)
put <- function(dataset, quantity, value) {
  results <<- c(results, paste(dataset, quantity, sprintf("%.17g", as.numeric(value)), sep = ","))
}

rocOf <- function(label, score) roc(label, score, direction = "<", levels = c(0, 1), quiet = TRUE)

analyse <- function(name, label, scores) {
  rocs <- lapply(scores, function(s) rocOf(label, s))
  K <- length(rocs)
  aucs <- sapply(rocs, function(r) as.numeric(auc(r)))
  S <- matrix(0, K, K)
  for (k in seq_len(K)) {
    put(name, paste0("auc.", k), aucs[k])
    S[k, k] <- pROC::var(rocs[[k]], method = "delong")
    put(name, paste0("var.", k), S[k, k])
    ci <- ci.auc(rocs[[k]], method = "delong")
    put(name, paste0("ci.lower.", k), ci[1])
    put(name, paste0("ci.upper.", k), ci[3])
  }
  if (K < 2) return(invisible(NULL))
  for (k in 1:(K - 1)) {
    for (l in (k + 1):K) {
      key <- paste0(k, ".", l)
      S[k, l] <- S[l, k] <- pROC::cov(rocs[[k]], rocs[[l]], method = "delong")
      put(name, paste0("cov.", key), S[k, l])
      t <- roc.test(rocs[[k]], rocs[[l]], method = "delong", paired = TRUE)
      put(name, paste0("paired.Z.", key), t$statistic)
      put(name, paste0("paired.p.", key), t$p.value)
      put(name, paste0("paired.lower.", key), t$conf.int[1])
      put(name, paste0("paired.upper.", key), t$conf.int[2])
      # pROC warns that these curves look paired; the unpaired statistic is still well defined.
      u <- suppressWarnings(roc.test(rocs[[k]], rocs[[l]], method = "delong", paired = FALSE))
      put(name, paste0("unpaired.D.", key), u$statistic)
      put(name, paste0("unpaired.df.", key), u$parameter)
      put(name, paste0("unpaired.p.", key), u$p.value)
    }
  }
  L <- cbind(diag(K - 1), 0) - cbind(0, diag(K - 1))
  contrast <- L %*% aucs
  chi2 <- as.numeric(t(contrast) %*% solve(L %*% S %*% t(L), contrast))
  put(name, "equality.chi2", chi2)
  put(name, "equality.df", K - 1)
  put(name, "equality.p", pchisq(chi2, df = K - 1, lower.tail = FALSE))
}

main <- function() {
  # pROC's example data, for the golden values of the aSAH study.
  data("aSAH", package = "pROC", envir = environment())
  asah <- data.frame(label = as.integer(aSAH$outcome == "Poor"),
                     s1 = as.numeric(as.character(aSAH$wfns)), s2 = aSAH$s100b, s3 = aSAH$ndka)
  writeLines(c("label,s1,s2,s3",
               sprintf("%d,%.17g,%.17g,%.17g", asah$label, asah$s1, asah$s2, asah$s3)),
             file.path(workdir, "asah.csv"))
  analyse("aSAH", asah$label, list(asah$s1, asah$s2, asah$s3))

  data <- read.csv(file.path(workdir, "datasets.csv"), stringsAsFactors = FALSE)
  scoreColumns <- grep("^s[0-9]+$", names(data), value = TRUE)
  for (name in unique(data$dataset)) {
    rows <- data[data$dataset == name, ]
    analyse(name, rows$label, lapply(scoreColumns, function(column) rows[[column]]))
  }

  comparisons <- read.csv(file.path(workdir, "comparisons.csv"), stringsAsFactors = FALSE)
  for (i in seq_len(nrow(comparisons))) {
    c <- comparisons[i, ]
    first <- data[data$dataset == c$first, ]
    second <- data[data$dataset == c$second, ]
    r1 <- rocOf(first$label, first[[paste0("s", c$first_model)]])
    r2 <- rocOf(second$label, second[[paste0("s", c$second_model)]])
    u <- roc.test(r1, r2, method = "delong", paired = FALSE)
    name <- paste0(c$first, ":", c$first_model, "~", c$second, ":", c$second_model)
    put(name, "unpaired.D", u$statistic)
    put(name, "unpaired.df", u$parameter)
    put(name, "unpaired.p", u$p.value)
  }
  writeLines(c("dataset,quantity,value", results), file.path(workdir, "results.csv"))
}

tryCatch(main(), error = function(e) {
  message("oracle.R failed: ", conditionMessage(e))
  quit(status = 1)
})

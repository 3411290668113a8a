# SPDX-License-Identifier: MIT
# rdp_classifier 2.10 (Debian's rdp-classifier) as the tests' oracle, trained and run the
# way benchmarks/bench_classify.sh does. Source after lib.sh.
RDPJAR=/usr/share/rdp-classifier/rdp_classifier.jar

# rdp_train_classify TRAIN_FASTA TAXONOMY QUERIES: trains into $WORK/rdp, classifies the
# queries into $WORK/rdp.txt and writes each query's genus and its confidence to
# $WORK/rdp_g.tsv (id, genus, confidence); each step is a test (expect_rc).
rdp_train_classify() {
  mkdir -p "$WORK/rdp"
  run java -Xmx1g -cp "$RDPJAR" edu.msu.cme.rdp.classifier.train.ClassifierTraineeMaker \
    -t "$2" -s "$1" -o "$WORK/rdp"
  expect_rc "rdp_classifier training" 0
  printf '%s\n' bergeyTree=bergeyTrainingTree.xml probabilityList=genus_wordConditionalProbList.txt \
    probabilityIndex=wordConditionalProbIndexArr.txt wordPrior=logWordPrior.txt \
    'classifierVersion=RDP Naive Bayesian rRNA Classifier Version 2.10' \
    >"$WORK/rdp/rRNAClassifier.properties"
  run java -Xmx1g -jar "$RDPJAR" -t "$WORK/rdp/rRNAClassifier.properties" -o "$WORK/rdp.txt" "$3"
  expect_rc "rdp_classifier classify" 0
  awk -F'\t' '{for (i = 3; i <= NF; i++) if ($i == "genus") print $1"\t"$(i-1)"\t"$(i+1)}' \
    "$WORK/rdp.txt" >"$WORK/rdp_g.tsv"
}

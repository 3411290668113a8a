# SPDX-License-Identifier: MIT
# The gold reference in each classifier's input form; sourced by bench_classify.sh and
# cv_classify.sh so both benchmarks train every tool on exactly the same records.
#
# gold_tsv GOLD.fasta > ref.tsv
#   One line per record: ID, lineage (6 ranks joined by ';'), sequence. A name used under
#   two parents (the gold set's "Incertae Sedis XI") gets its parent appended, because the
#   RDP trainer requires unique (name, rank) pairs (names compared case-insensitively:
#   Greengenes has "planctomycete" and "Planctomycete"); lumen would keep them apart anyway.
gold_tsv() {
  awk -F'\t' '/^>/{if(id!="")print id"\t"lin"\t"seq; split(substr($1,2),x," "); id=x[1]; lin=$NF;
      gsub(/; /,";",lin); seq=""; next} {seq=seq toupper($0)} END{print id"\t"lin"\t"seq}' "$1" |
    awk -F'\t' 'BEGIN{OFS="\t"} {split($2,a,";"); parent=""; path=""; out="";
      for(i=1;i<=6;i++){ path=path";"a[i]; if(!(path in nm)){ n=a[i]; if((tolower(n)"|"i) in used) n=n"_"parent;
        used[tolower(n)"|"i]=1; nm[path]=n } parent=nm[path]; out=out (i>1?";":"") nm[path] }
      print $1,out,$3}'
}

# tsv_rdp_fasta REF.tsv: ">id<TAB>Root;...;Genus" records (RDP trainer and lumen index).
tsv_rdp_fasta() { awk -F'\t' '{print ">"$1"\tRoot;"$2"\n"$3}' "$1"; }

# tsv_sintax_fasta REF.tsv: SINTAX headers for vsearch --sintax.
tsv_sintax_fasta() {
  awk -F'\t' '{split($2,a,";"); print ">"$1";tax=d:"a[1]",p:"a[2]",c:"a[3]",o:"a[4]",f:"a[5]",g:"a[6]";\n"$3}' "$1"
}

# tsv_rdp_taxonomy REF.tsv: the RDP trainer's taxonomy, taxid*name*parent*depth*rank.
tsv_rdp_taxonomy() {
  awk -F'\t' 'BEGIN{split("domain phylum class order family genus",R," "); print "0*Root*-1*0*rootrank"}
    {split($2,a,";"); parent=0; path="";
     for(i=1;i<=6;i++){ path=path";"a[i]; if(!(path in id)){ id[path]=++n; print n"*"a[i]"*"parent"*"i"*"R[i]}
       parent=id[path] }}' "$1"
}

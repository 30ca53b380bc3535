# ab.gp: card ops/s by mode, before vs after the batch-path fixes (sign, seal).
# make-plots writes DIR/ab-<op>.dat: idx mode before_ops after_ops (median over the runs of
# the fastest round's ops/s).
set terminal pngcairo size 1100,420 font ",10"
set datafile missing "NaN"
set style data linespoints
set grid ytics
set key top left
set logscale y
set ylabel "ops/s"
set output out . "/card-before-after.png"
set multiplot layout 1,2 title "card ops/s by mode, before (dd01a50) vs after, runs alternated on the same guest (median of best rounds)"
set title "ECDSA sign"
plot dir . "/ab-sign.dat" using 1:3:xtic(2) title "before" lw 2 pt 5, "" using 1:4 title "after" lw 2 pt 7
set title "BSP seal (1007 bytes)"
plot dir . "/ab-seal.dat" using 1:3:xtic(2) title "before" lw 2 pt 5, "" using 1:4 title "after" lw 2 pt 7
unset multiplot

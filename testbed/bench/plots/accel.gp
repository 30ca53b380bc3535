# accel.gp: portdp-accel-bench figures (make-plots prepares DIR/<op>.dat).
# Columns: idx mode dev_ops dev_p50 dev_p90 dev_p99 dev_cpu dev_best soft_ops soft_p50 soft_p90
#          soft_p99 soft_cpu soft_best (ops: all rounds pooled; best: the fastest round)
set terminal pngcairo size 1200,800 font ",10"
set datafile missing "NaN"
set style data linespoints
set grid ytics
set key top left
ops = "sign verify session seal"
titles = "'ECDSA sign' 'ECDSA verify' 'session (keygen + ECDH + KDF)' 'BSP seal (1007 bytes)'"

set output out . "/accel-throughput.png"
set multiplot layout 2,2 title "ops/s by mode, card (dev:) vs soft: in the same TCG guest; solid: all rounds pooled, dashed: fastest round"
set logscale y
set ylabel "ops/s"
do for [i = 1:4] {
	set title word(titles, i)
	plot dir . "/" . word(ops, i) . ".dat" using 1:3:xtic(2) title "card" lw 2 pt 7 lc 1, \
	     "" using 1:8 title "card, best round" lw 1 dt 2 pt 6 lc 1, \
	     "" using 1:9 title "soft" lw 2 pt 5 lc 2, \
	     "" using 1:14 title "soft, best round" lw 1 dt 2 pt 4 lc 2
}
unset multiplot

set output out . "/accel-latency.png"
set multiplot layout 2,2 title "card (dev:) latency per op by mode: p50 / p90 / p99 (us, log)"
set ylabel "us"
do for [i = 1:4] {
	set title word(titles, i)
	plot dir . "/" . word(ops, i) . ".dat" using 1:4:xtic(2) title "p50" lw 2 pt 7, \
	     "" using 1:5 title "p90" lw 2 pt 5, "" using 1:6 title "p99" lw 2 pt 9
}
unset multiplot

set output out . "/accel-cpu.png"
set multiplot layout 2,2 title "guest CPU per op of the bench process (us; user + system)"
set ylabel "us per op"
do for [i = 1:4] {
	set title word(titles, i)
	plot dir . "/" . word(ops, i) . ".dat" using 1:7:xtic(2) title "card" lw 2 pt 7, \
	     "" using 1:13 title "soft" lw 2 pt 5
}
unset multiplot

# bind.gp: portdp-bench in the guest, soft keys vs card (DIR/bind.dat from make-plots).
# Columns: idx backend bindings_per_min server_cpu_ms server_over_client_cpu (medians)
set terminal pngcairo size 1300,420 font ",10"
set style data histograms
set style fill solid 0.6 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set key off
set output out . "/bind.png"
set multiplot layout 1,3 title "full ES9+ bindings in the TCG guest: portdpd with soft keys vs keys on the card (median of the rounds)"
set title "bindings per minute"
plot dir . "/bind.dat" using 3:xtic(2) lc rgb "#4477aa", "" using 0:3:(sprintf("%.0f", $3)) with labels offset 0,0.7
set title "portdpd CPU per binding (ms, guest)"
plot dir . "/bind.dat" using 4:xtic(2) lc rgb "#cc6677", "" using 0:4:(sprintf("%.2f", $4)) with labels offset 0,0.7
set title "portdpd CPU / client CPU per binding (load-independent)"
plot dir . "/bind.dat" using 5:xtic(2) lc rgb "#117733", "" using 0:5:(sprintf("%.2f", $5)) with labels offset 0,0.7
unset multiplot

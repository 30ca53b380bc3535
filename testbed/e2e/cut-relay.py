#!/usr/bin/env python3
# A TCP relay for the online-transfer tests: listens on 127.0.0.1:LISTEN, forwards each
# connection to 127.0.0.1:TARGET, and cuts connection number CONN (1-based; 0: none) after
# N bytes in direction DIR ("req": client to server, "ans": server to client): exactly N
# bytes of that direction pass, then both sockets are shut down and reset. A negative N counts
# from the end: past the first 8192 bytes (the handshake) the relay holds back the last -N
# bytes it got, and cuts when the sender has been quiet for 0.3 s (all sent, waiting). The other connections pass
# whole. One line per connection to LOG: "conn K req BYTES ans BYTES cut|whole".
import socket, struct, sys, threading

listen, target, conn_cut, nbytes, direction, log = (
    int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
lock = threading.Lock()


def reset(s):
    # shutdown wakes the pump blocked in recv on it (a close alone would not, and the
    # peer would see nothing); with linger 0 the last close sends a reset
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def serve(k, c):
    try:
        s = socket.create_connection(("127.0.0.1", target))
    except OSError:
        reset(c)
        return
    count = {"req": 0, "ans": 0}
    state = {"cut": False}
    done = threading.Event()

    def pump_tail(src, dst, d, keep):
        buf = b""
        try:
            while True:
                src.settimeout(0.3 if buf else None)
                try:
                    data = src.recv(65536)
                except socket.timeout:
                    break
                if not data:
                    break
                buf += data
                hold = keep if count[d] + len(buf) > 8192 else 0
                out, buf = buf[: len(buf) - hold], buf[len(buf) - hold:]
                dst.sendall(out)
                count[d] += len(out)
            state["cut"] = True
        except OSError:
            pass
        done.set()

    def pump(src, dst, d):
        limit = nbytes if (k == conn_cut and d == direction) else None
        if limit is not None and limit < 0:
            return pump_tail(src, dst, d, -limit)
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    break
                if limit is not None and count[d] + len(data) >= limit:
                    part = data[: limit - count[d]]
                    if part:
                        dst.sendall(part)
                    count[d] += len(part)
                    state["cut"] = True
                    break
                dst.sendall(data)
                count[d] += len(data)
        except OSError:
            pass
        done.set()

    t1 = threading.Thread(target=pump, args=(c, s, "req"), daemon=True)
    t2 = threading.Thread(target=pump, args=(s, c, "ans"), daemon=True)
    t1.start()
    t2.start()
    if k == conn_cut:
        done.wait()
        if state["cut"]:
            reset(c)
            reset(s)
    t1.join()
    t2.join()
    with lock, open(log, "a") as f:
        f.write("conn %d req %d ans %d %s\n" % (k, count["req"], count["ans"],
                                                 "cut" if state["cut"] else "whole"))
    for x in (c, s):
        try:
            x.close()
        except OSError:
            pass


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen))
srv.listen(16)
print("ready", flush=True)
k = 0
while True:
    c, _ = srv.accept()
    k += 1
    threading.Thread(target=serve, args=(k, c), daemon=True).start()

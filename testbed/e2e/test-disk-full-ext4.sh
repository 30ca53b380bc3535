#!/bin/bash
# test-disk-full.sh on a loop-mounted ext4 image (journal, delayed allocation,
# real fdatasync) instead of tmpfs.
DISK_FS=ext4 exec "$(dirname "$0")/test-disk-full.sh"

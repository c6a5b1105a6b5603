#if canImport(Glibc)
import Glibc
#endif

/// Reads exactly `count` bytes at `offset` into `p` (`pread`, retried after EINTR and short reads);
/// false at the end of the file or on an error. The cache's sections and a CSV's header bytes are
/// read with it.
func readExactly(_ fd: Int32, into p: UnsafeMutableRawPointer, count: Int, at offset: off_t) -> Bool {
    var done = 0
    while done < count {
        let r = pread(fd, p + done, count - done, offset + off_t(done))
        if r < 0 && errno == EINTR { continue }
        if r <= 0 { return false }
        done += r
    }
    return true
}

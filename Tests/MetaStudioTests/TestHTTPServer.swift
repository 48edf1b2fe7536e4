import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One request as the test server received it, header lines kept raw so tests can check exact spelling.
struct ReceivedRequest: Sendable {
    var requestLine: String
    var headerLines: [String]

    /// All values of a header (case-insensitive name), in order received.
    func values(_ name: String) -> [String] {
        headerLines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            guard line[..<colon].lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
}

/// What the test server does after reading a request.
indirect enum TestReply: Sendable {
    case send([UInt8], keepAlive: Bool)
    case closeSilently
    case resetConnection
    /// Waits this many seconds (less when the server is stopped: the connection is then closed).
    case delay(Double, then: TestReply)

    /// A well-formed HTTP/1.1 response with Content-Length (or a custom one to fake truncation).
    static func http(_ status: Int = 200, _ reason: String = "OK", headers: [(String, String)] = [],
                     body: [UInt8] = [], contentLength: Int? = nil, keepAlive: Bool = true) -> TestReply {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        for (n, v) in headers { head += "\(n): \(v)\r\n" }
        head += "Content-Length: \(contentLength ?? body.count)\r\n\r\n"
        return .send(Array(head.utf8) + body, keepAlive: keepAlive)
    }
}

/// A tiny blocking HTTP/1.1 server on 127.0.0.1:<ephemeral>, one thread per connection, for client tests.
final class TestHTTPServer: @unchecked Sendable {
    let port: Int
    private let listenFD: Int32
    private let handler: @Sendable (ReceivedRequest) -> TestReply
    private let lock = NSLock()
    private var accepted = 0
    private var received: [ReceivedRequest] = []
    private var openFDs: Set<Int32> = []
    private var stopped = false
    /// Signalled by `stop`, so that a connection thread in a `.delay` ends with the test.
    private let stopping = NSCondition()

    init(handler: @escaping @Sendable (ReceivedRequest) -> TestReply) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { close(fd); throw POSIXError(.EADDRINUSE) }
        listenFD = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        self.handler = handler
        Thread { [self] in acceptLoop() }.start()
    }

    /// Sockets accepted so far (keep-alive tests expect 1 for several requests).
    var acceptedCount: Int { lock.withLock { accepted } }
    var requests: [ReceivedRequest] { lock.withLock { received } }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Wakes the accept thread and every connection thread; each closes its own descriptor.
    /// Idempotent: a second shutdown could hit a reused descriptor number belonging to someone else.
    func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listenFD, Int32(SHUT_RDWR))
            for fd in openFDs { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        stopping.withLock { stopping.broadcast() }
    }

    /// Waits `seconds`, or less when the server is stopped first; true when it was stopped.
    private func pause(_ seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return stopping.withLock {
            while !lock.withLock({ stopped }) {
                if !stopping.wait(until: deadline) { return false }
            }
            return true
        }
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let c = accept(listenFD, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                break
            }
            let go: Bool = lock.withLock {
                if stopped { return false }
                accepted += 1
                openFDs.insert(c)
                return true
            }
            guard go else { close(c); break }
            Thread { [self] in serve(c) }.start()
        }
        close(listenFD)
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        var alreadyClosed = false
        loop: while let head = Self.readHead(fd, &buffer) {
            let lines = head.components(separatedBy: "\r\n")
            let req = ReceivedRequest(requestLine: lines[0], headerLines: Array(lines.dropFirst()))
            lock.withLock { received.append(req) }
            var reply = handler(req)
            while true {
                switch reply {
                case .delay(let seconds, let next):
                    if pause(seconds) { break loop }
                    reply = next
                    continue
                case .send(let bytes, let keepAlive):
                    Self.sendAll(fd, bytes)
                    if keepAlive { continue loop } else { break loop }
                case .closeSilently:
                    break loop
                case .resetConnection:
                    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)  // close() then sends RST
                    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                    lock.withLock { _ = openFDs.remove(fd) }
                    close(fd)
                    alreadyClosed = true
                    break loop
                }
            }
        }
        if !alreadyClosed {
            lock.withLock { _ = openFDs.remove(fd) }
            close(fd)
        }
    }

    /// Reads up to the blank line ending a request head (GET requests carry no body); nil on EOF.
    private static func readHead(_ fd: Int32, _ buffer: inout [UInt8]) -> String? {
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let r = buffer.firstRange(of: end) {
                let head = String(decoding: buffer[..<r.lowerBound], as: UTF8.self)
                buffer.removeSubrange(..<r.upperBound)
                return head
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }
}

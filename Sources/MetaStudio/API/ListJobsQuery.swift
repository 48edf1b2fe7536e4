/// What one scan asks the list API for. Paging and sorting are fixed (100 per page, by
/// create_time, oldest first unless `descending`) because complete, shift-detecting paging depends on them.
public struct ListJobsQuery: Sendable, Equatable {
    public var states: [String] = []
    /// RFC 3339 instants, inclusive.
    public var createSince: String?
    public var createUntil: String?
    public var roomName: String?
    public var appUserId: String?
    public var pageSize = 100
    /// `sort_dir=desc`: newest first (the scan reads the newest jobs this way to check its end).
    public var descending = false

    public init(states: [String] = [], createSince: String? = nil, createUntil: String? = nil,
                roomName: String? = nil, appUserId: String? = nil, pageSize: Int = 100) {
        self.states = states
        self.createSince = createSince
        self.createUntil = createUntil
        self.roomName = roomName
        self.appUserId = appUserId
        self.pageSize = pageSize
    }

    /// The query parameters of the page at `offset`, unencoded (the signer encodes them).
    public func items(offset: Int) -> [(name: String, value: String)] {
        var items: [(name: String, value: String)] = [
            ("offset", String(offset)), ("limit", String(pageSize)), ("sort_key", "create_time"), ("sort_dir", descending ? "desc" : "asc"),
        ]
        if !states.isEmpty { items.append(("state", states.joined(separator: ","))) }
        if let createSince { items.append(("create_since", createSince)) }
        if let createUntil { items.append(("create_until", createUntil)) }
        if let roomName { items.append(("room_name", roomName)) }
        return items
    }

    /// A stable one-line description for sync-run records and messages (no secrets in a query).
    public var summary: String {
        var parts: [String] = []
        if !states.isEmpty { parts.append("state=\(states.joined(separator: ","))") }
        if let createSince { parts.append("create_since=\(createSince)") }
        if let createUntil { parts.append("create_until=\(createUntil)") }
        if let roomName { parts.append("room_name=\(roomName)") }
        if let appUserId { parts.append("app_user_id=\(appUserId)") }
        return parts.isEmpty ? "all jobs" : parts.joined(separator: " ")
    }
}

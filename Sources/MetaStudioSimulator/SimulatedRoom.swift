/// A live room of the simulated tenant. Names are the hostile user text the API really passes through
/// (Chinese, emoji, commas and quotes, pipes and newlines, spreadsheet formulas), and popularity is
/// skewed so reports have busy and quiet rooms.
public struct SimulatedRoom: Sendable, Equatable {
    /// 32 lower-case hex digits, stable for a (seed, project tag, room number).
    public let id: String
    public let name: String
    /// Relative share of jobs; the busiest room gets dozens of times the quietest one's jobs.
    public let weight: Int
    /// The room's thumbnail, shared by all its jobs that report one.
    public let coverURL: String

    /// The names of the first rooms; rooms past this list get numbered Chinese names.
    public static let names: [String] = [
        "美妆直播间",
        "Demo Room 1",
        "数码3C旗舰店 📱",
        "🎉 Weekend Sale 🛍️",
        "Tea, \"Premium\" & Co.",
        "=HYPERLINK(\"http://x\",\"y\")",
        "Night Shift | 夜场\nsecond line",
        "+cmd",
        "-1+2",
        "@SUM(A1)",
        "母婴好物 Baby & Me",
        "Ünïcødé Café — 日本語テスト",
    ]

    /// Popularity of the named rooms; rooms past the list get weight 2. As in a real tenant's
    /// data, most jobs are in rooms with Chinese or emoji names (about 87% by weight); the ASCII
    /// names, there to test spreadsheet formulas and quoting, are among the quietest rooms.
    static let weights = [300, 40, 120, 90, 16, 10, 45, 10, 10, 10, 100, 60]

    /// The first `count` rooms for a generator whose ids are salted with `salt`; the first `shared`
    /// of them take their ids from `sharedSalt` instead (another project's rooms of the same number).
    static func catalog(count: Int, salt: UInt64, shared: Int = 0, sharedSalt: UInt64 = 0) -> [SimulatedRoom] {
        (0..<count).map { index in
            let idSalt = index < shared ? sharedSalt : salt
            var rng = SplitMix64(seed: SplitMix64.mix(idSalt ^ 0x524F_4F4D_0000_0000 ^ UInt64(index)))
            let id = rng.hex(32)
            let name = index < names.count ? names[index] : "直播间 #\(index + 1)"
            let weight = index < weights.count ? weights[index] : 2
            let cover = "https://metastudio-cover.obs.cn-north-4.myhuaweicloud.com/live-rooms/\(id)/cover.jpg"
            return SimulatedRoom(id: id, name: name, weight: weight, coverURL: cover)
        }
    }
}

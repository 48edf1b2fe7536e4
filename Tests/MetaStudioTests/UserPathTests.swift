import Foundation
import MetaStudio
import Testing

@Suite(.timeLimit(.minutes(1))) struct UserPathTests {
    @Test func aLeadingTildeIsHOMEAndNothingElseChanges() {
        let env = ["HOME": "/home/ci-runner"]
        let cases: [(String, String)] = [
            ("~", "/home/ci-runner"),
            ("~/x.sqlite", "/home/ci-runner/x.sqlite"),
            ("~/.huaweicloud/credentials", "/home/ci-runner/.huaweicloud/credentials"),
            ("./~/x", "./~/x"),
            ("a~b", "a~b"),
            ("/abs/~", "/abs/~"),
            ("", ""),
            ("-", "-"),
            ("~no-such-account-4f1a/x", "~no-such-account-4f1a/x"),
        ]
        for (given, expected) in cases {
            #expect(UserPath.expand(given, environment: env) == expected, "\(given)")
        }
        #expect(UserPath.expand("~/x", environment: ["HOME": "/"]) == "/x")
        #expect(UserPath.expand("~/x", environment: ["HOME": "/h/"]) == "/h/x")
    }

    @Test func anAccountNameAndAnUnsetHOMEUseThePasswordDatabase() throws {
        let me = try #require(getpwuid(getuid()))
        let name = String(cString: me.pointee.pw_name), dir = String(cString: me.pointee.pw_dir)
        #expect(UserPath.expand("~\(name)/f", environment: ["HOME": "/elsewhere"]) == dir + "/f")
        #expect(UserPath.expand("~/f", environment: [:]) == dir + "/f")
        #expect(UserPath.expand("~/f", environment: ["HOME": ""]) == dir + "/f")
    }
}

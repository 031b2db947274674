import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Foundation
import Testing

/// The view vectors in Protocol/vectors/fold/views/, produced by the Python implementation in tools/vectors/
/// (`capsync_fold.py`, from Protocol/fold.md alone): the fold's state and digest, and every period view — site
/// figures, totals by item/partner/site, the trend, shortfall matches — must come out exactly as written there.
@Suite struct FoldViewVectorTests {
    struct Vector: Decodable {
        struct View: Decodable {
            let period: String
            let staleAfterMonths: Int
            let today: String
        }

        struct Trend: Decodable {
            let item: String
            let from: String
            let to: String
        }

        struct Ignored: Codable, Equatable {
            let id: String
            let reason: String
        }

        struct Figure: Codable, Equatable {
            let item, partner, site, period: String
            let ageMonths: Int
            let stale: Bool
            let capacity, output, stock, threshold, available, spare, leadTimeDays: UInt64
        }

        struct Total: Codable, Equatable {
            let item: String
            let partner: String?
            let site: String?
            let partners, sites, stalePartners, staleSites: Int
            let capacity, output, stock, available, spare: UInt64
            let oldestPeriod: String
        }

        struct Point: Codable, Equatable {
            let period: String
            let plan: Bool
            let capacity, output, stock, available: UInt64
            let partners, sites, staleSites: Int
        }

        struct Candidate: Codable, Equatable {
            let partner, site, source: String
            let amount, covers: UInt64
            let earliest: String
            let ageMonths: Int
            let stale: Bool
            let alreadyPledged: UInt64
        }

        struct Match: Codable, Equatable {
            let need: String
            let remaining: UInt64
            let candidates: [Candidate]
        }

        struct Expected: Codable, Equatable {
            let state: String
            let digest: String
            let ignored: [Ignored]
            let figures: [Figure]
            let totals: [String: [Total]]
            let trend: [Point]
            let matches: [Match]
        }

        let name: String
        let roster: String
        let foldVersion: UInt32
        let entries: [String]
        let view: View
        let trend: Trend
        let expected: Expected
    }

    static let folder = VectorFolder("fold/views")
    static var names: [String] { folder.names }

    static func load(_ name: String) throws -> Vector { try folder.load(name) }

    /// What this implementation computes for a vector's inputs, in the vector's terms.
    static func compute(_ vector: Vector) throws -> Vector.Expected {
        let entries = try vector.entries.map { try Entry(decoding: Hex.decode($0) ?? []) }
        let state = fold(
            entries: entries,
            roster: try Roster(fileText: vector.roster),
            foldVersion: FoldVersion(rawValue: vector.foldVersion)!,
            nowMilliseconds: nil
        )
        let view = ViewPeriod(try Period(vector.view.period), staleAfterMonths: vector.view.staleAfterMonths)
        let figures = state.siteFigures(at: view).map { f in
            Vector.Figure(
                item: f.item,
                partner: f.partner,
                site: f.site,
                period: f.period.description,
                ageMonths: f.ageMonths,
                stale: f.isStale,
                capacity: f.monthlyCapacity,
                output: f.monthlyOutput,
                stock: f.stockOnHand,
                threshold: f.stockThreshold,
                available: f.availableAboveThreshold,
                spare: f.spareCapacity,
                leadTimeDays: f.leadTimeDays
            )
        }
        var totals: [String: [Vector.Total]] = [:]
        for grouping in TotalsGrouping.allCases {
            totals[grouping.rawValue] = state.totals(at: view, by: grouping).map { t in
                Vector.Total(
                    item: t.item,
                    partner: t.partner,
                    site: t.site,
                    partners: t.partners,
                    sites: t.sites,
                    stalePartners: t.stalePartners,
                    staleSites: t.staleSites,
                    capacity: t.monthlyCapacity,
                    output: t.monthlyOutput,
                    stock: t.stockOnHand,
                    available: t.availableAboveThreshold,
                    spare: t.spareCapacity,
                    oldestPeriod: t.oldestPeriod.description
                )
            }
        }
        let trend = state.trend(
            item: vector.trend.item,
            from: try Period(vector.trend.from),
            to: try Period(vector.trend.to),
            view: view
        ).map { p in
            Vector.Point(
                period: p.period.description,
                plan: p.isPlan,
                capacity: p.monthlyCapacity,
                output: p.monthlyOutput,
                stock: p.stockOnHand,
                available: p.availableAboveThreshold,
                partners: p.partners,
                sites: p.sites,
                staleSites: p.staleSites
            )
        }
        let matches = state.shortfallMatches(at: view, today: try Day(vector.view.today)).map { m in
            Vector.Match(
                need: "\(m.shortfall.owner):\(m.shortfall.code)",
                remaining: m.shortfall.remaining,
                candidates: m.candidates.map { c in
                    Vector.Candidate(
                        partner: c.partner,
                        site: c.site,
                        source: c.source.rawValue,
                        amount: c.amount,
                        covers: c.covers,
                        earliest: c.earliest.description,
                        ageMonths: c.ageMonths,
                        stale: c.isStale,
                        alreadyPledged: c.alreadyPledged
                    )
                }
            )
        }
        return Vector.Expected(
            state: Hex.encode(state.canonicalBytes),
            digest: state.digest.hex,
            ignored: state.ignored.map { Vector.Ignored(id: $0.id.hex, reason: $0.reason.rawValue) },
            figures: figures,
            totals: totals,
            trend: trend,
            matches: matches
        )
    }

    @Test func thereAreVectorsForEveryViewRule() {
        #expect(Self.names.count >= 10)
    }

    @Test(arguments: FoldViewVectorTests.names)
    func viewsMatchTheIndependentImplementation(file: String) throws {
        let vector = try Self.load(file)
        let computed = try Self.compute(vector)
        #expect(computed.state == vector.expected.state, "state bytes")
        #expect(computed.digest == vector.expected.digest)
        #expect(computed.ignored == vector.expected.ignored)
        #expect(computed.figures == vector.expected.figures)
        #expect(computed.totals == vector.expected.totals)
        #expect(computed.trend == vector.expected.trend)
        #expect(computed.matches == vector.expected.matches)
    }
}

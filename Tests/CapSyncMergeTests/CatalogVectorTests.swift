import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Foundation
import Testing

/// The catalog vectors in Protocol/vectors/fold/catalog/, produced by the Python implementation in tools/vectors/
/// (`gen_catalog_vectors.py` with `capsync_fold.py`, from Protocol/fold.md alone): the state with its catalog
/// sections, the entries the owner and unit rules leave out, which group each item counts in, and the totals and
/// shortfall matches with interchangeable items counted per group.
@Suite struct CatalogVectorTests {
    typealias Views = FoldViewVectorTests.Vector

    struct Vector: Decodable {
        struct Total: Codable, Equatable {
            let item: String
            let partner: String?
            let site: String?
            let group: Bool
            let items: [String]
            let partners, sites, stalePartners, staleSites: Int
            let capacity, output, stock, available, spare: UInt64
            let oldestPeriod: String
        }

        struct Candidate: Codable, Equatable {
            let item, partner, site, source: String
            let amount, covers: UInt64
            let earliest: String
            let ageMonths: Int
            let stale: Bool
            let alreadyPledged: UInt64
        }

        struct Match: Codable, Equatable {
            let need: String
            let group: String?
            let remaining: UInt64
            let candidates: [Candidate]
        }

        struct Expected: Codable, Equatable {
            let state: String
            let digest: String
            let ignored: [Views.Ignored]
            let interchangeable: [String: String]
            let totals: [String: [Total]]
            let matches: [Match]
        }

        let name: String
        let roster: String
        let foldVersion: UInt32
        let entries: [String]
        let view: Views.View
        let expected: Expected
    }

    static let folder = VectorFolder("fold/catalog")
    static let names = folder.names

    static func compute(_ vector: Vector) throws -> Vector.Expected {
        let entries = try vector.entries.map { try Entry(decoding: Hex.decode($0) ?? []) }
        let state = fold(
            entries: entries,
            roster: try Roster(fileText: vector.roster),
            foldVersion: FoldVersion(rawValue: vector.foldVersion)!,
            nowMilliseconds: nil
        )
        let map = CoalitionCatalog(state: state).interchangeable
        let view = ViewPeriod(try Period(vector.view.period), staleAfterMonths: vector.view.staleAfterMonths)
        var totals: [String: [Vector.Total]] = [:]
        for grouping in TotalsGrouping.allCases {
            totals[grouping.rawValue] = state.totals(at: view, by: grouping, interchangeable: map).map { row in
                let t = row.total
                return Vector.Total(
                    item: t.item,
                    partner: t.partner,
                    site: t.site,
                    group: row.isGroup,
                    items: row.items,
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
        let matches = state.shortfallMatches(at: view, today: try Day(vector.view.today), interchangeable: map).map {
            m in
            Vector.Match(
                need: "\(m.shortfall.owner):\(m.shortfall.code)",
                group: m.group,
                remaining: m.shortfall.remaining,
                candidates: m.candidates.map { row in
                    let c = row.candidate
                    return Vector.Candidate(
                        item: row.item,
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
            ignored: state.ignored.map { Views.Ignored(id: $0.id.hex, reason: $0.reason.rawValue) },
            interchangeable: map,
            totals: totals,
            matches: matches
        )
    }

    @Test func thereAreCatalogVectors() {
        #expect(Self.names.count >= 2)
    }

    @Test(arguments: CatalogVectorTests.names)
    func catalogAndViewsMatchTheIndependentImplementation(file: String) throws {
        let vector: Vector = try Self.folder.load(file)
        let computed = try Self.compute(vector)
        #expect(computed.state == vector.expected.state, "\(file): state")
        #expect(computed.digest == vector.expected.digest)
        #expect(computed.ignored == vector.expected.ignored, "\(file): ignored")
        #expect(computed.interchangeable == vector.expected.interchangeable, "\(file): groups")
        #expect(computed.totals == vector.expected.totals, "\(file): totals")
        #expect(computed.matches == vector.expected.matches, "\(file): matches")
    }
}

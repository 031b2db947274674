import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Foundation
import Testing

/// The projection vectors in Protocol/vectors/fold/projection/, produced by the Python implementation in
/// tools/vectors/ (`capsync_fold.py`, from Protocol/fold.md §Stock projection alone) after a hand computation
/// written into each vector's description: the fold's state and the whole projection must come out exactly so.
@Suite struct ProjectionVectorTests {
    struct Vector: Decodable {
        struct Inputs: Decodable {
            let item: String
            let period: String
            let months: Int
        }

        struct Ignored: Codable, Equatable {
            let id: String
            let reason: String
        }

        struct PartnerMonth: Codable, Equatable {
            let period: String
            let output, `in`, out, threshold, alarm: UInt64
            let stock: Int64
            let refill: UInt64?
            let drawdown: Bool
            let status: String
        }

        struct Partner: Codable, Equatable {
            let partner: String
            let startStock: UInt64
            let months: [PartnerMonth]
            let crossesThreshold, crossesFloor, refillBehind: String?
        }

        struct CoalitionMonth: Codable, Equatable {
            let period: String
            let output, deliveries, needsDue, covered, shortfall: UInt64
            let stock: Int64
        }

        struct Projection: Codable, Equatable {
            let partners: [Partner]
            let startStock: UInt64
            let coalition: [CoalitionMonth]
            let firstShortfall: String?
        }

        struct Expected: Codable, Equatable {
            let state: String
            let digest: String
            let ignored: [Ignored]
            let projection: Projection
        }

        let name: String
        let roster: String
        let foldVersion: UInt32
        let entries: [String]
        let projection: Inputs
        let expected: Expected
    }

    static let folder = VectorFolder("fold/projection")
    static var names: [String] { folder.names }

    static func load(_ name: String) throws -> Vector { try folder.load(name) }

    static func state(of vector: Vector) throws -> CoalitionState {
        fold(
            entries: try vector.entries.map { try Entry(decoding: Hex.decode($0) ?? []) },
            roster: try Roster(fileText: vector.roster),
            foldVersion: FoldVersion(rawValue: vector.foldVersion)!,
            nowMilliseconds: nil
        )
    }

    static func project(_ vector: Vector) throws -> (CoalitionState, StockProjection) {
        let state = try state(of: vector)
        let inputs = vector.projection
        return (state, state.projection(item: inputs.item, from: try Period(inputs.period), months: inputs.months))
    }

    /// This implementation's projection in the vector's terms.
    static func compute(_ vector: Vector) throws -> Vector.Expected {
        let (state, projection) = try project(vector)
        return Vector.Expected(
            state: Hex.encode(state.canonicalBytes),
            digest: state.digest.hex,
            ignored: state.ignored.map { Vector.Ignored(id: $0.id.hex, reason: $0.reason.rawValue) },
            projection: Vector.Projection(
                partners: projection.partners.map { p in
                    Vector.Partner(
                        partner: p.partner,
                        startStock: p.startStock,
                        months: p.months.map { m in
                            Vector.PartnerMonth(
                                period: m.period.description,
                                output: m.output,
                                in: m.deliveriesIn,
                                out: m.deliveriesOut,
                                threshold: m.threshold,
                                alarm: m.alarm,
                                stock: m.stock,
                                refill: m.refill,
                                drawdown: m.drawdown,
                                status: m.status.rawValue
                            )
                        },
                        crossesThreshold: p.crossesThreshold?.description,
                        crossesFloor: p.crossesFloor?.description,
                        refillBehind: p.refillBehind?.description
                    )
                },
                startStock: projection.startStock,
                coalition: projection.coalition.map { c in
                    Vector.CoalitionMonth(
                        period: c.period.description,
                        output: c.output,
                        deliveries: c.deliveries,
                        needsDue: c.needsDue,
                        covered: c.covered,
                        shortfall: c.shortfall,
                        stock: c.stock
                    )
                },
                firstShortfall: projection.firstShortfall?.description
            )
        )
    }

    @Test func thereAreProjectionVectors() {
        #expect(Self.names.count >= 2)
    }

    @Test(arguments: ProjectionVectorTests.names)
    func projectionMatchesTheIndependentImplementation(file: String) throws {
        let vector = try Self.load(file)
        let computed = try Self.compute(vector)
        #expect(computed.state == vector.expected.state, "state bytes")
        #expect(computed.digest == vector.expected.digest)
        #expect(computed.ignored == vector.expected.ignored)
        #expect(computed.projection.startStock == vector.expected.projection.startStock)
        #expect(computed.projection.coalition == vector.expected.projection.coalition)
        #expect(computed.projection.partners == vector.expected.projection.partners)
        #expect(computed.projection.firstShortfall == vector.expected.projection.firstShortfall)
    }

    /// The first vector's figures as worked out by hand in its description, independent of the Python output.
    @Test func firstVectorMatchesTheHandComputation() throws {
        let (_, projection) = try Self.project(Self.load("01-drawdown-deliveries-shortfall.json"))
        let byPartner = Dictionary(uniqueKeysWithValues: projection.partners.map { ($0.partner, $0) })
        #expect(projection.partners.map(\.partner) == ["NO", "PL", "UA"])
        let no = try #require(byPartner["NO"])
        #expect(no.startStock == 900)
        #expect(no.months.map(\.stock) == [500, 300, 400, 500])
        #expect(no.months.map(\.deliveriesOut) == [500, 300, 0, 0])
        #expect(no.months.map(\.alarm) == [400, 400, 600, 600])
        #expect(no.months.map(\.status) == [.plannedDrawdown, .belowFloor, .belowThreshold, .refillBehind])
        #expect(no.crossesFloor?.description == "2027-01")
        #expect(no.crossesThreshold?.description == "2027-02")
        #expect(no.refillBehind?.description == "2027-03")
        let pl = try #require(byPartner["PL"])
        #expect(pl.months.map(\.stock) == [250, 300, 350, 400])
        #expect(pl.crossesThreshold?.description == "2026-12")
        #expect(pl.months.allSatisfy { !$0.drawdown })
        let ua = try #require(byPartner["UA"])
        #expect(ua.months.map(\.deliveriesIn) == [500, 300, 0, 0])
        #expect(projection.startStock == 1_100)
        #expect(projection.coalition.map(\.stock) == [1_250, 1_400, 1_550, 1_700])
        #expect(projection.coalition.map(\.needsDue) == [0, 1_000, 1_000, 1_500])
        #expect(projection.coalition.map(\.covered) == [0, 900, 900, 900])
        #expect(projection.coalition.map(\.shortfall) == [0, 100, 100, 600])
        #expect(projection.firstShortfall?.description == "2027-01")
    }

    /// The projection is read after the fold: it leaves the state and its digest as they were.
    @Test func projectingChangesNothingInTheState() throws {
        let vector = try Self.load("01-drawdown-deliveries-shortfall.json")
        let (state, _) = try Self.project(vector)
        #expect(state.digest.hex == vector.expected.digest)
        let longest = state.projection(item: "SHELL-155-HE", from: try Period("2026-11"), months: 1_000)
        #expect(longest.coalition.count == StockProjection.monthLimit)
    }
}

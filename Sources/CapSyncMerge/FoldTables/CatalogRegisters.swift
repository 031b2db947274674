import CapSyncWire

/// One applied catalog entry (kind 7 or 8) as the registers keep it: every write is kept until finish, because
/// the code's owner is the partner of the earliest one, which only the whole set decides.
struct CatalogWrite<Value: Sendable>: Sendable {
    let key: PlanKey
    let mark: Mark
    let value: Value

    init(_ key: PlanKey, _ mark: Mark, _ value: Value) {
        self.key = key
        self.mark = mark
        self.value = value
    }
}

/// A catalog entry the owner rule leaves out, with its reason and explanation.
struct CatalogLoser: Sendable {
    let mark: Mark
    let kind: EntryKind
    let reason: IgnoredReason
    let detail: String
}

/// The coalition catalog rules (Protocol/fold.md, "The coalition catalog"): per item code and per group code the
/// partner of the earliest entry (smallest stamp) owns it; the owner's greatest stamp wins; another partner's
/// entries are ignored (`notCatalogOwner`), and so are the owner's definitions that change the unit
/// (`unitChanged`). Judged over the whole set, so the result is the same in any order.
extension Registers {
    func catalogOwners() -> (
        definitions: [CatalogWrite<ItemDefinition>],
        groups: [(founder: Mark, winner: CatalogWrite<ItemGroup>)],
        losers: [CatalogLoser]
    ) {
        var definitions: [CatalogWrite<ItemDefinition>] = []
        var groups: [(founder: Mark, winner: CatalogWrite<ItemGroup>)] = []
        var losers: [CatalogLoser] = []
        for (_, writes) in itemDefinitions {
            guard let founder = Registers.earliest(writes) else { continue }
            var winner = founder
            for write in writes {
                if write.key.b != founder.key.b {
                    losers.append(
                        CatalogLoser(
                            mark: write.mark,
                            kind: .itemDefinition,
                            reason: .notCatalogOwner,
                            detail:
                                "\(write.value.partner) defined \(write.value.code), which \(founder.value.partner) "
                                + "defined first (only the first definer restates it)"
                        )
                    )
                } else if !FieldRules.sameBytes(write.value.unit, founder.value.unit) {
                    losers.append(
                        CatalogLoser(
                            mark: write.mark,
                            kind: .itemDefinition,
                            reason: .unitChanged,
                            detail:
                                "\(write.value.code) is counted in \(founder.value.unit) since its first definition; "
                                + "this one says \(write.value.unit) (define a new code for another unit)"
                        )
                    )
                } else if winner.mark < write.mark {
                    winner = write
                }
            }
            definitions.append(winner)
        }
        for (_, writes) in itemGroups {
            guard let founder = Registers.earliest(writes) else { continue }
            var winner = founder
            for write in writes {
                if write.key.b != founder.key.b {
                    losers.append(
                        CatalogLoser(
                            mark: write.mark,
                            kind: .itemGroup,
                            reason: .notCatalogOwner,
                            detail:
                                "\(write.value.partner) stated group \(write.value.code), which "
                                + "\(founder.value.partner) defined first (only the first definer restates it)"
                        )
                    )
                } else if winner.mark < write.mark {
                    winner = write
                }
            }
            groups.append((founder.mark, winner))
        }
        return (definitions, groups, losers)
    }

    func catalogIgnoredEntries(authorKeys: [AuthorKey]) -> [IgnoredEntry] {
        catalogOwners().losers.map { loser in
            IgnoredEntry(
                id: loser.mark.id,
                author: authorKeys[Int(loser.mark.authorRank)],
                seq: loser.mark.seq,
                kind: loser.kind.rawValue,
                reason: loser.reason,
                detail: loser.detail
            )
        }
    }

    private static func earliest<Value>(_ writes: [CatalogWrite<Value>]) -> CatalogWrite<Value>? {
        guard var first = writes.first else { return nil }
        for write in writes where write.mark < first.mark { first = write }
        return first
    }
}

import ArgumentParser
import CapSyncMerge
import CapSyncNode
import Foundation

extension CapSyncCommand {
    struct CatalogCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "catalog",
            abstract:
                "The item catalog: built-in codes plus those partners define, and groups of interchangeable items.",
            discussion: """
                The built-in codes (Protocol/catalog.json) are the same on every node. A partner adds a code with \
                'catalog add' and names items that can stand in for each other with 'catalog group'; both are signed \
                log entries, synced like reports. The first partner to define a code or group owns it: only the owner \
                restates it, and an item's unit never changes (Protocol/fold.md, "The coalition catalog").

                Examples:
                  capsync catalog
                  capsync catalog add SHELL-155-HE-M795 --name "155 mm HE M795" --unit rounds \\
                      --category ammunition --nsn 1320-01-234-5678
                  capsync catalog group GRP-155-HE --name "155 mm HE" --items SHELL-155-HE,SHELL-155-HE-M795

                Tables: items, groups.
                """,
            subcommands: [List.self, Add.self, Group.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List built-in and coalition items (who defined what) and the groups (default)."
            )
            @OptionGroup var node: NodeOptions
            @OptionGroup var format: FormatOptions

            func run() async throws {
                let paths = node.paths
                // Without a node directory the built-in catalog is all there is to show.
                let catalog: CoalitionCatalog
                if FileManager.default.fileExists(atPath: paths.config) {
                    catalog = try Node(root: paths.root, access: .readOnly).coalitionCatalog()
                } else {
                    catalog = CoalitionCatalog(
                        state: CoalitionState(
                            rosterHash: .zero,
                            foldVersion: .current,
                            records: [],
                            needs: [],
                            pledges: [],
                            pools: []
                        )
                    )
                }
                try format.printer.print(CatalogTables.tables(catalog))
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Define an item code for the coalition (or, as its definer, restate its name or NSN).",
                discussion: """
                    Example:
                      capsync catalog add SHELL-155-HE-M795 --name "155 mm HE M795" --unit rounds --category ammunition
                    """
            )
            @OptionGroup var append: AppendOptions
            @Argument(help: "The item code: 1-32 of A-Z 0-9 -, e.g. SHELL-155-HE-M795.") var code: String
            @Option(help: "Display name.") var name: String
            @Option(help: "The unit quantities are counted in, e.g. rounds, kg.") var unit: String
            @Option(help: "Category, e.g. ammunition.") var category: String
            @Option(help: "NATO stock number, NNNN-NN-NNN-NNNN.") var nsn: String = ""

            func run() async throws {
                let partner = try append.partner()
                let definition = try checked("catalog add") { () throws(MergeError) in
                    try ItemDefinition(
                        partner: partner,
                        code: code,
                        name: name,
                        unit: unit,
                        category: category,
                        nsn: nsn
                    )
                }
                if let builtIn = Catalog.standard.item(code) {
                    throw CLIError(
                        "\(code) is a built-in code (\(builtIn.name), in \(builtIn.unit)); built-in codes cannot be "
                            + "redefined: choose another code"
                    )
                }
                let node = try append.open()
                let catalog = try node.coalitionCatalog()
                if let held = catalog.item(code), let owner = held.definedBy {
                    if owner != partner {
                        throw CLIError(
                            "\(code) was defined by \(owner) first; only \(owner) restates it (a definition from "
                                + "\(partner) would be ignored): choose another code"
                        )
                    }
                    if held.unit != unit {
                        throw CLIError(
                            "\(code) is counted in \(held.unit) since its first definition; a unit cannot change "
                                + "(reports already count in it): define a new code for \(unit)"
                        )
                    }
                }
                if catalog.group(code) != nil {
                    throw CLIError("\(code) is a group code ('capsync catalog' lists groups): choose another code")
                }
                append.printAppended(try append.append([.itemDefinition(definition)], to: node))
            }
        }

        struct Group: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Name a group of interchangeable items (restating it replaces the whole membership).",
                discussion: """
                    Views count a group together with --interchangeable: a need for one member can be filled from \
                    stock or spare capacity of any member, and totals are per group. Members must share one unit.

                    Examples:
                      capsync catalog group GRP-155-HE --name "155 mm HE" --items SHELL-155-HE,SHELL-155-HE-M795
                      capsync catalog group GRP-155-HE --name "155 mm HE" --dissolve
                    """
            )
            @OptionGroup var append: AppendOptions
            @Argument(help: "The group code: 1-32 of A-Z 0-9 -, e.g. GRP-155-HE.") var code: String
            @Option(help: "Display name.") var name: String
            @Option(help: "Member item codes, comma-separated.") var items: String?
            @Flag(help: "Dissolve the group (no members).") var dissolve = false

            func validate() throws {
                guard (items != nil) != dissolve else {
                    throw ValidationError("give exactly one of --items A,B,... or --dissolve")
                }
            }

            func run() async throws {
                let partner = try append.partner()
                let members = (items ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if !dissolve, members.count < 2 {
                    throw ValidationError("--items: a group of interchangeable items needs at least two codes")
                }
                let group = try checked("catalog group") { () throws(MergeError) in
                    try ItemGroup(partner: partner, code: code, name: name, members: members)
                }
                let node = try append.open()
                let state = try node.coalitionState()
                let catalog = CoalitionCatalog(state: state)
                if catalog.item(code) != nil {
                    throw CLIError("\(code) is an item code; a group needs a code of its own (e.g. GRP-\(code))")
                }
                if let held = state.itemGroups.first(where: { $0.group.code == code }),
                    held.group.partner != partner
                {
                    throw CLIError(
                        "group \(code) was defined by \(held.group.partner) first; only \(held.group.partner) "
                            + "restates it: choose another code"
                    )
                }
                var units: [String: [String]] = [:]
                for member in group.members {
                    try Suggestions.requireItem(member, flag: "--items", catalog: { catalog })
                    if let item = catalog.item(member) { units[item.unit, default: []].append(member) }
                }
                if units.count > 1 {
                    let listed = units.sorted { $0.key < $1.key }.map {
                        "\($0.value.joined(separator: ", ")) in \($0.key)"
                    }
                    throw CLIError(
                        "--items: interchangeable items must share one unit, and these do not: "
                            + listed.joined(separator: "; ")
                    )
                }
                append.printAppended(try append.append([.itemGroup(group)], to: node))
            }
        }
    }
}

/// The catalog as tables, for `capsync catalog` in every format.
enum CatalogTables {
    static func tables(_ catalog: CoalitionCatalog) -> [Table] {
        var items = Table(
            name: "items",
            columns: ["code", "name", "unit", "category", "nsn", "source", "defined_by", "defined_at", "group"]
        )
        let groupOf = catalog.interchangeable
        for item in catalog.items {
            items.add([
                .text(item.code), .text(item.name), .text(item.unit), .text(item.category), .text(item.nsn),
                .text(item.definedBy == nil ? "built-in" : "coalition"), .text(item.definedBy ?? ""),
                .text(item.setBy.map { timeText($0.timestamp) } ?? ""), .text(groupOf[item.code] ?? ""),
            ])
        }
        var groups = Table(
            name: "groups",
            columns: ["group", "name", "items", "defined_by", "defined_at", "counted_elsewhere"]
        )
        for group in catalog.groups {
            groups.add([
                .text(group.code), .text(group.name), .list(group.members.map { .text($0) }), .text(group.definedBy),
                .text(timeText(group.setBy.timestamp)),
                .list(catalog.shadowed(in: group).map { .text("\($0.item) in \($0.countedIn)") }),
            ])
        }
        return [items, groups]
    }
}

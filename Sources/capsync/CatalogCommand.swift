import ArgumentParser
import CapSyncMerge

extension CapSyncCommand {
    struct CatalogCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "catalog",
            abstract: "List the item codes, names and units reports and needs use (Protocol/catalog.json).",
            discussion:
                "The catalog is built in, the same on every node; --dir is accepted like every command's and not needed."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions

        func run() async throws {
            var table = Table(name: "items", columns: ["code", "name", "unit"])
            for item in Catalog.standard.items { table.add([.text(item.code), .text(item.name), .text(item.unit)]) }
            try format.printer.print([table])
        }
    }
}

"""Azure: what Functions triggers hand a function, and the storage it reads back."""

from __future__ import annotations

from auditor.code.models.spec import LibraryModel, Source

MODEL = LibraryModel(
    name="azure",
    typed_sources=(
        Source(
            (
                "azure.functions.QueueMessage",
                "azure.functions.ServiceBusMessage",
                "azure.functions.EventHubEvent",
                "azure.functions.EventGridEvent",
            ),
            "a queue or cache",
            stored=True,
        ),
    ),
    method_sources=(
        # azure-data-tables and Cosmos DB: entities and items kept earlier
        Source(
            (
                "query_entities",
                "list_entities",
                "get_entity",
                "query_items",
                "read_item",
                "read_all_items",
            ),
            "a database query",
            stored=True,
        ),
        Source(("receive_messages", "peek_messages"), "a queue or cache", stored=True),
    ),
)

import { registry } from "@web/core/registry";

// A planning manager opens the pending reorder rule proposals, opens the tour's
// proposal and approves it. The Python test checks the reorder rule afterwards.
registry.category("web_tour.tours").add("stock_segment_replenishment_approve_proposal", {
    steps: () => [
        {
            content: "Open the pending proposal of the tour's product",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=product_id]:contains('Tour Approval Product')",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_form_statusbar button[name=action_approve]",
            run: "click",
        },
        {
            content: "The proposal is approved",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Approved')",
        },
    ],
});

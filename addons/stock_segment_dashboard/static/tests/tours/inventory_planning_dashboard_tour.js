import { registry } from "@web/core/registry";

/** Every evaluated cell of every sheet once the data is loaded: errors are thrown. */
async function checkFormulas() {
    const loader = odoo.__WOWL_DEBUG__.root.env.services.spreadsheet_dashboard_loader;
    const model = loader.getActiveDashboard().model;
    let errors = [];
    let evaluated = 0;
    let loading = true;
    for (let attempt = 0; attempt < 100; attempt++) {
        errors = [];
        evaluated = 0;
        loading = false;
        for (const sheetId of model.getters.getSheetIds()) {
            const name = model.getters.getSheetName(sheetId);
            for (const position of model.getters.getEvaluatedCellsPositions(sheetId)) {
                const cell = model.getters.getEvaluatedCell(position);
                evaluated++;
                if (cell.value === "Loading...") {
                    loading = true;
                } else if (cell.type === "error") {
                    errors.push(
                        `${name} col ${position.col} row ${position.row}: ${cell.value} ${
                            cell.message || ""
                        }`
                    );
                }
            }
        }
        if (!loading) {
            break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (loading) {
        throw new Error("The dashboard data did not load within 10 seconds.");
    }
    if (errors.length) {
        throw new Error(`Dashboard formulas in error: ${errors.join("; ")}`);
    }
    if (!evaluated) {
        throw new Error("No dashboard cell was evaluated.");
    }
}

registry.category("web_tour.tours").add("stock_segment_dashboard_open", {
    steps: () => [
        {
            trigger: ".o_search_panel_category_value:contains('Inventory Planning')",
            run: "click",
        },
        {
            // The spreadsheet is rendered: its JSON loaded without error.
            trigger:
                ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status)) .o_renderer .o-spreadsheet",
        },
        {
            trigger: ".o_renderer .o-spreadsheet",
            run: checkFormulas,
        },
        {
            trigger: ".o_sp_date_filter_button",
        },
        {
            trigger: ".o_dashboard_star.fa-star-o",
            run: "click",
        },
        {
            trigger: ".o_dashboard_star.fa-star",
        },
    ],
});

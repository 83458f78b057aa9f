import { registry } from "@web/core/registry";
import { graphView } from "@web/views/graph/graph_view";
import { GraphModel } from "@web/views/graph/graph_model";

/**
 * History and forecast chart of the plans: a bucket where a series has no value is a
 * gap in its line, not a 0 (the standard line chart fills missing points with 0, which
 * drew the forecast at 0 over the whole history and the history at 0 over the future).
 */
export class DemandChartGraphModel extends GraphModel {
    _getData(dataPoints, forceUseAllDataPoints) {
        const result = super._getData(dataPoints, forceUseAllDataPoints);
        if (this.metaData.mode !== "line" || this.metaData.cumulated) {
            return result;
        }
        const filled = new Map();
        for (const dataPt of dataPoints) {
            if (!dataPt.count || dataPt.labelIndex === undefined) {
                continue;
            }
            const label = this._getDatasetLabel(dataPt);
            if (!filled.has(label)) {
                filled.set(label, new Set());
            }
            filled.get(label).add(dataPt.labelIndex);
        }
        for (const dataset of result.datasets) {
            const indexes = filled.get(dataset.label) || new Set();
            dataset.data = dataset.data.map((value, index) => (indexes.has(index) ? value : null));
        }
        return result;
    }
}

export const demandChartGraphView = {
    ...graphView,
    Model: DemandChartGraphModel,
};

registry.category("views").add("stock_demand_chart_graph", demandChartGraphView);

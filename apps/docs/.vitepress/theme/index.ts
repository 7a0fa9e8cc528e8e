import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import BenchChart from './BenchChart.vue';
import BenchReport from './BenchReport.vue';
import CrawlTable from './CrawlTable.vue';
import MeasuredOn from './MeasuredOn.vue';
import StageResult from './StageResult.vue';
import './style.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('BenchChart', BenchChart);
    app.component('BenchReport', BenchReport);
    app.component('CrawlTable', CrawlTable);
    app.component('MeasuredOn', MeasuredOn);
    app.component('StageResult', StageResult);
  },
} satisfies Theme;

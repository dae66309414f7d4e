/** The Vant components the sidebar uses, registered one by one so the bundle carries only these. */
import type { App } from 'vue';
import {
  ActionSheet,
  Button,
  Cell,
  CellGroup,
  Empty,
  Field,
  Icon,
  Loading,
  NavBar,
  NoticeBar,
  Popup,
  Search,
  Skeleton,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Tag,
} from 'vant';
import 'vant/es/action-sheet/style/index.mjs';
import 'vant/es/button/style/index.mjs';
import 'vant/es/cell/style/index.mjs';
import 'vant/es/cell-group/style/index.mjs';
import 'vant/es/empty/style/index.mjs';
import 'vant/es/field/style/index.mjs';
import 'vant/es/icon/style/index.mjs';
import 'vant/es/loading/style/index.mjs';
import 'vant/es/nav-bar/style/index.mjs';
import 'vant/es/notice-bar/style/index.mjs';
import 'vant/es/popup/style/index.mjs';
import 'vant/es/search/style/index.mjs';
import 'vant/es/skeleton/style/index.mjs';
import 'vant/es/tab/style/index.mjs';
import 'vant/es/tabbar/style/index.mjs';
import 'vant/es/tabbar-item/style/index.mjs';
import 'vant/es/tabs/style/index.mjs';
import 'vant/es/tag/style/index.mjs';
import 'vant/es/toast/style/index.mjs';

export function installVant(app: App): void {
  for (const c of [
    ActionSheet,
    Button,
    Cell,
    CellGroup,
    Empty,
    Field,
    Icon,
    Loading,
    NavBar,
    NoticeBar,
    Popup,
    Search,
    Skeleton,
    Tab,
    Tabbar,
    TabbarItem,
    Tabs,
    Tag,
  ])
    app.use(c);
}

import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { i18n } from './i18n';
import { router } from './router';
import { installVant } from './vant';
import './styles.css';

const app = createApp(App);
app.use(createPinia()).use(i18n).use(router);
installVant(app);
app.mount('#app');
